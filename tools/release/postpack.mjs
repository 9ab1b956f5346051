#!/usr/bin/env node
// `postpack`: undo what prepack.mjs did to the package directory (see there).
import { existsSync, renameSync, rmSync } from 'node:fs';

if (existsSync('package.json.orig')) renameSync('package.json.orig', 'package.json');
rmSync('LICENSE', { force: true });
