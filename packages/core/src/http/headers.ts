// The adapter kit reads headers with the kernel's reader: retry (Retry-After) needs it below this layer.
export { readHeader, type HeaderSource } from '../kernel/headers.js';
