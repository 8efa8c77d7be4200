/** A small seeded PRNG (mulberry32), so ids and injected errors repeat run to run when seeded. */
export interface Random {
  next(): number;
  chars(alphabet: string, length: number): string;
}

export function createRandom(seed: number): Random {
  let a = seed >>> 0;
  const next = (): number => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    chars(alphabet, length) {
      let out = '';
      for (let i = 0; i < length; i++) out += alphabet[Math.floor(next() * alphabet.length)];
      return out;
    },
  };
}

const UPPER = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
const SECRET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/** Ids shaped like AWS's: a 4-letter prefix naming the kind, then 16/17 characters. */
export const ids = {
  user: (r: Random) => `AIDA${r.chars(UPPER, 17)}`,
  accessKey: (r: Random) => `AKIA${r.chars(UPPER, 16)}`,
  secret: (r: Random) => r.chars(SECRET, 40),
  policy: (r: Random) => `ANPA${r.chars(UPPER, 17)}`,
  role: (r: Random) => `AROA${r.chars(UPPER, 17)}`,
  sessionKey: (r: Random) => `ASIA${r.chars(UPPER, 16)}`,
  request: (r: Random) =>
    [8, 4, 4, 4, 12].map((n) => r.chars('0123456789abcdef', n)).join('-'),
};
