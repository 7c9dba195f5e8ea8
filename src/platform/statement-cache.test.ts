import { describe, expect, it } from 'vitest';
import BetterSqlite3 from 'better-sqlite3';
import { withStatementCache } from './statement-cache.ts';

describe('the SQLite statement cache', () => {
  it('prepares a SQL text once and hands back the same statement', () => {
    const sqlite = new BetterSqlite3(':memory:');
    const cached = withStatementCache(sqlite, 2);
    const a = cached.prepare('select 1 as one');
    expect(cached.prepare('select 1 as one')).toBe(a);
    expect(a.all([])).toEqual([{ one: 1 }]);
    sqlite.close();
  });

  it('drops the least recently used statement past its size', () => {
    const sqlite = new BetterSqlite3(':memory:');
    const cached = withStatementCache(sqlite, 2);
    const one = cached.prepare('select 1');
    const two = cached.prepare('select 2');
    // Using "select 1" again makes "select 2" the oldest.
    cached.prepare('select 1');
    cached.prepare('select 3');
    expect(cached.prepare('select 1')).toBe(one);
    expect(cached.prepare('select 2')).not.toBe(two);
    sqlite.close();
  });

  it('sees a column added after the statement was cached (SQLite re-prepares it)', () => {
    const sqlite = new BetterSqlite3(':memory:');
    const cached = withStatementCache(sqlite);
    sqlite.exec("create table t (a integer); insert into t values (1)");
    expect(cached.prepare('select * from t').all([])).toEqual([{ a: 1 }]);
    sqlite.exec('alter table t add column b text');
    expect(cached.prepare('select * from t').all([])).toEqual([{ a: 1, b: null }]);
    sqlite.close();
  });
});
