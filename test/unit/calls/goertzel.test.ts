import { test } from 'node:test';
import assert from 'node:assert/strict';
import { goertzel } from '../../support/goertzel.js';

// The detector the payment e2e test relies on must itself be able to say yes and no.
function tone(freq: number, rate: number, n: number, amp = 8000): Int16Array {
  const out = new Int16Array(n);
  for (let i = 0; i < n; i++) out[i] = Math.round(amp * Math.sin((2 * Math.PI * freq * i) / rate));
  return out;
}

test('goertzel finds a 1 kHz tone and not a 440 Hz one', () => {
  const s1000 = tone(1000, 8000, 400);
  const s440 = tone(440, 8000, 400);
  assert.ok(goertzel(s1000, 8000, 1000) > 100 * goertzel(s440, 8000, 1000));
  assert.ok(goertzel(s440, 8000, 440) > 100 * goertzel(s1000, 8000, 440));
  assert.equal(goertzel(new Int16Array(400), 8000, 1000), 0);
});
