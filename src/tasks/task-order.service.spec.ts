import { describe, expect, it } from '@jest/globals';
import type { UserWrite, UserWrites } from '../database/user-writes.js';
import type { TaskOrderRepository } from './task-order.repository.js';
import { TaskOrderService } from './task-order.service.js';
import type { TaskRow, TasksRepository } from './tasks.repository.js';

describe('TaskOrderService.append', () => {
  /** A service whose user's last key is `last`, and an insert that loses its key `losses` times. */
  const appending = async (last: string | null, losses: number) => {
    const order = { last: () => Promise.resolve(last) } as unknown as TaskOrderRepository;
    const service = new TaskOrderService(order, {} as TasksRepository, {} as UserWrites);
    const keys: string[] = [];
    const row = await service.append({} as UserWrite, { listId: null, parentId: null }, (position) => {
      keys.push(position);
      return Promise.resolve(keys.length > losses ? ({ id: 1, position } as TaskRow) : null);
    });
    return { keys, row };
  };

  it('tries the next key after the last one first', async () => {
    const { keys, row } = await appending('a1', 0);
    expect(keys).toEqual(['a2']);
    expect(row.position).toBe('a2');
  });

  it('retries a lost key with a different key, still after the last key and the key it lost to', async () => {
    const { keys } = await appending('a1', 5);
    expect(keys).toHaveLength(6);
    expect(new Set(keys).size).toBe(6);
    for (const key of keys.slice(1)) {
      expect(key > 'a2').toBe(true);
      expect(key < 'a3').toBe(true);
      expect(key).toMatch(/^a2[0-9A-Za-z]{3}[1-9A-Za-z]$/);
    }
  });

  it('gives up with a 503 after 50 lost attempts', async () => {
    await expect(appending(null, Infinity)).rejects.toMatchObject({ status: 503 });
  });
});
