import type { KeyStore, StoredKey } from '@creds/core';

/** A KeyStore in memory, for tests. `failPut` makes the next put fail. */
export class MemoryStore implements KeyStore {
  readonly type = 'memory';
  readonly entries = new Map<string, StoredKey>();
  failPut = false;

  describe(): string {
    return 'memory';
  }
  async get(name: string): Promise<StoredKey | undefined> {
    return this.entries.get(name);
  }
  async put(name: string, key: StoredKey): Promise<void> {
    if (this.failPut) {
      this.failPut = false;
      throw new Error('disk full');
    }
    this.entries.set(name, key);
  }
  async delete(name: string): Promise<boolean> {
    return this.entries.delete(name);
  }
  async list(): Promise<string[]> {
    return [...this.entries.keys()];
  }
}
