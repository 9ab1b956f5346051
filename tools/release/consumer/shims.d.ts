// ioredis 6 ships declarations that import 'redis-errors', which has no types of its own; without
// this line a consumer with skipLibCheck: false cannot compile any ioredis import (not ours to fix).
declare module 'redis-errors';
