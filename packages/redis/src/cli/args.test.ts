import { describe, expect, it } from 'vitest';
import { parseArgs, redactUrl, UsageError } from './args.js';

describe('breakwater-redis arguments', () => {
  it('parses options in any order, with = or a separate value', () => {
    expect(parseArgs(['--url', 'redis://h:1', 'isolate', 'users', '--prefix=app'])).toEqual({
      url: 'redis://h:1',
      prefix: 'app',
      cluster: false,
      json: false,
      force: false,
      command: 'isolate',
      name: 'users',
      tls: {},
      sentinel: undefined,
    });
    expect(
      parseArgs(['--sentinel', '10.0.0.1:26379,[::1]:26380', '--name=main', '--tls-ca', 'ca.pem', 'list']),
    ).toMatchObject({
      sentinel: {
        nodes: [
          { host: '10.0.0.1', port: 26379 },
          { host: '::1', port: 26380 },
        ],
        name: 'main',
      },
      tls: { ca: 'ca.pem' },
    });
    expect(parseArgs(['--version']).command).toBe('version');
    expect(parseArgs(['list', '--json', '--cluster'], { REDIS_URL: 'redis://env:2' })).toMatchObject({
      url: 'redis://env:2',
      json: true,
      cluster: true,
      command: 'list',
    });
    expect(parseArgs(['--help']).command).toBe('help');
  });

  it.each([
    [[], /missing command/],
    [['frobnicate'], /unknown command "frobnicate"/],
    [['isolate'], /isolate needs a breaker name/],
    [['list', 'x'], /list takes no name/],
    [['reset', 'a', 'b'], /unexpected argument "b"/],
    [['--url'], /--url needs a value/],
    [['--verbose', 'list'], /unknown option --verbose/],
    [['--url', 'localhost:6379', 'list'], /--url must look like redis:\/\/host:port/],
    [['--prefix', 'a b', 'list'], /--prefix must be non-empty without braces/],
  ])('%j → UsageError %s', (argv, message) => {
    expect(() => parseArgs(argv)).toThrow(UsageError);
    expect(() => parseArgs(argv)).toThrow(message);
  });

  it('never echoes credentials', () => {
    expect(redactUrl('redis://user:s3cret@host:6379/0')).toBe('redis://***@host:6379/0');
    expect(() => parseArgs(['--url', 'http://u:s3cret@h', 'list'])).toThrow(/^(?!.*s3cret)/);
  });
});
