import { Redis } from 'ioredis';
import pg from 'pg';
import type { Dialect } from './database.ts';
import type { Logger } from './logger.ts';

/** Which transport carries messages between the nodes of a cluster. */
export type ClusterBusKind = 'redis' | 'postgres' | 'local';

/** What /readyz reports for the bus: Redis `ok|unreachable`, PostgreSQL `listening|reconnecting`, or `local`. */
export type ClusterBusState = 'ok' | 'unreachable' | 'listening' | 'reconnecting' | 'local' | 'closed';

export type ClusterBusHandler = (payload: Record<string, unknown>, from: string) => void;

/**
 * Best-effort messages between the nodes of one deployment. The database stays
 * the truth: a message only lets another node drop what it holds in memory
 * sooner than its TTL would, so a lost message (a node restarting, the
 * transport down) costs staleness bounded by that TTL, never correctness.
 */
export interface ClusterBus {
  readonly describe: ClusterBusKind;
  /** Sends to every other node; never throws and never waits (a failure is logged once and the TTL applies). */
  publish(topic: string, payload: Record<string, unknown>): void;
  /** Calls `handler` with each message another node publishes on `topic` (this node's own messages are ignored). */
  subscribe(topic: string, handler: ClusterBusHandler): void;
  /** The transport's state now, for /readyz. */
  state(): ClusterBusState;
  close(): Promise<void>;
}

export interface ClusterBusOptions {
  /** Redis (redis:// or rediss://): pub/sub on a dedicated subscriber connection. */
  redisUrl: string | null;
  /** The database's pool (PostgreSQL): NOTIFY through it, LISTEN on a dedicated client made from its settings. */
  pgPool: pg.Pool | null;
  dialect: Dialect;
  logger: Logger;
  /** This node's name; messages carrying it are its own and are ignored. */
  nodeId: string;
  /** Names the Redis channel, so deployments can share one Redis (default `keyledger`). */
  prefix?: string;
}

/** The PostgreSQL NOTIFY channel (per database, so deployments never share it). */
export const PG_CHANNEL = 'keyledger_bus';
/** PostgreSQL refuses NOTIFY payloads of 8000 bytes or more. */
const PG_MAX_PAYLOAD = 7900;
const RECONNECT_MIN_MS = 250;
const RECONNECT_MAX_MS = 5_000;

interface Envelope {
  from: string;
  topic: string;
  payload: Record<string, unknown>;
}

/**
 * The bus for this deployment: Redis pub/sub when REDIS_URL is set, else
 * PostgreSQL LISTEN/NOTIFY on PostgreSQL, else this process only (one node:
 * nothing to tell anyone).
 */
export function createClusterBus(options: ClusterBusOptions): ClusterBus {
  const handlers = new Map<string, ClusterBusHandler[]>();
  const { logger, nodeId } = options;

  /** Hands a received message to its topic's handlers, unless it is this node's own or unreadable. */
  function deliver(raw: string): void {
    let message: Envelope;
    try {
      message = JSON.parse(raw) as Envelope;
    } catch {
      logger.warn('cluster bus: an unreadable message was ignored');
      return;
    }
    if (!message || typeof message.from !== 'string' || typeof message.topic !== 'string' || typeof message.payload !== 'object' || message.payload === null) return;
    if (message.from === nodeId) return;
    for (const handler of handlers.get(message.topic) ?? []) {
      try {
        handler(message.payload, message.from);
      } catch (err) {
        logger.error({ err, topic: message.topic }, 'cluster bus: a subscriber failed');
      }
    }
  }

  function addHandler(topic: string, handler: ClusterBusHandler): void {
    handlers.set(topic, [...(handlers.get(topic) ?? []), handler]);
  }

  const encode = (topic: string, payload: Record<string, unknown>) => JSON.stringify({ from: nodeId, topic, payload } satisfies Envelope);

  if (options.redisUrl) return redisBus(options.redisUrl, options.prefix ?? 'keyledger', logger, deliver, addHandler, encode);
  if (options.dialect === 'postgres' && options.pgPool) return postgresBus(options.pgPool, logger, deliver, addHandler, encode);
  return {
    describe: 'local',
    // One node: the committing process drops its own caches directly; no other node exists to tell.
    publish() {},
    subscribe: addHandler,
    state: () => 'local',
    async close() {},
  };
}

type Encode = (topic: string, payload: Record<string, unknown>) => string;

function redisBus(url: string, prefix: string, logger: Logger, deliver: (raw: string) => void, addHandler: (topic: string, handler: ClusterBusHandler) => void, encode: Encode): ClusterBus {
  const channel = `${prefix}:bus`;
  // Publishing fails at once while Redis is away (no offline queue): a late invalidation is worth nothing.
  const publisher = new Redis(url, { lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 1 });
  // The subscriber keeps reconnecting and re-subscribes by itself (ioredis autoResubscribe).
  const subscriber = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: null });
  let closed = false;
  let down = false;
  const lost = (err: Error) => {
    if (closed || down) return;
    down = true;
    logger.warn({ err: err.message }, 'cluster bus: redis is unreachable; other nodes\' changes reach this node only when cached entries expire, until it is back');
  };
  publisher.on('error', () => {});
  subscriber.on('error', lost);
  subscriber.on('ready', () => {
    if (down) logger.info('cluster bus: redis is back');
    down = false;
  });
  subscriber.on('message', (ch: string, raw: string) => {
    if (ch === channel) deliver(raw);
  });
  subscriber.connect().catch(lost);
  subscriber.subscribe(channel).catch(lost);
  publisher.connect().catch(() => {});
  let publishFailed = false;
  return {
    describe: 'redis',
    publish(topic, payload) {
      if (closed) return;
      publisher.publish(channel, encode(topic, payload)).then(
        () => {
          publishFailed = false;
        },
        (err: Error) => {
          if (!publishFailed) logger.warn({ err: err.message, topic }, 'cluster bus: a message could not be published to redis');
          publishFailed = true;
        },
      );
    },
    subscribe: addHandler,
    state: () => (closed ? 'closed' : subscriber.status === 'ready' ? 'ok' : 'unreachable'),
    async close() {
      if (closed) return;
      closed = true;
      subscriber.disconnect();
      publisher.disconnect();
    },
  };
}

function postgresBus(pool: pg.Pool, logger: Logger, deliver: (raw: string) => void, addHandler: (topic: string, handler: ClusterBusHandler) => void, encode: Encode): ClusterBus {
  let client: pg.Client | null = null;
  let listening = false;
  let closed = false;
  let logged = false;
  let delay = RECONNECT_MIN_MS;
  let timer: NodeJS.Timeout | null = null;

  /** Opens a dedicated connection (the pool's settings) and LISTENs; any failure schedules another try. */
  async function connect(): Promise<void> {
    timer = null;
    const c = new pg.Client(pool.options as pg.ClientConfig);
    client = c;
    c.on('notification', (msg) => {
      if (msg.channel === PG_CHANNEL && msg.payload) deliver(msg.payload);
    });
    c.on('error', (err) => drop(c, err));
    c.on('end', () => drop(c, new Error('the connection ended')));
    try {
      await c.connect();
      await c.query(`LISTEN ${PG_CHANNEL}`);
    } catch (err) {
      drop(c, err as Error);
      return;
    }
    if (closed || client !== c) return void c.end().catch(() => {});
    listening = true;
    delay = RECONNECT_MIN_MS;
    if (logged) logger.info('cluster bus: listening on PostgreSQL again');
    logged = false;
  }

  /** The listening connection broke: log once, then retry with a growing pause until closed. */
  function drop(c: pg.Client, err: Error): void {
    if (client !== c) return;
    client = null;
    listening = false;
    c.removeAllListeners('end');
    c.on('error', () => {});
    void c.end().catch(() => {});
    if (closed) return;
    if (!logged) logger.warn({ err: err.message }, 'cluster bus: lost the PostgreSQL LISTEN connection; reconnecting (other nodes\' changes reach this node only when cached entries expire, until then)');
    logged = true;
    timer = setTimeout(() => void connect(), delay);
    timer.unref();
    delay = Math.min(delay * 2, RECONNECT_MAX_MS);
  }

  void connect();
  let publishFailed = false;
  return {
    describe: 'postgres',
    publish(topic, payload) {
      if (closed) return;
      const text = encode(topic, payload);
      if (Buffer.byteLength(text) > PG_MAX_PAYLOAD) {
        logger.warn({ topic, bytes: Buffer.byteLength(text) }, 'cluster bus: a message too large for NOTIFY was not sent');
        return;
      }
      pool.query('select pg_notify($1, $2)', [PG_CHANNEL, text]).then(
        () => {
          publishFailed = false;
        },
        (err: Error) => {
          if (!publishFailed) logger.warn({ err: err.message, topic }, 'cluster bus: a message could not be sent with NOTIFY');
          publishFailed = true;
        },
      );
    },
    subscribe: addHandler,
    state: () => (closed ? 'closed' : listening ? 'listening' : 'reconnecting'),
    async close() {
      if (closed) return;
      closed = true;
      if (timer) clearTimeout(timer);
      timer = null;
      const c = client;
      client = null;
      listening = false;
      if (c) {
        c.removeAllListeners('end');
        c.on('error', () => {});
        await c.end().catch(() => {});
      }
    },
  };
}
