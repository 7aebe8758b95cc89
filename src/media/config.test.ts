import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createMediaEngine, parseMediaSpec } from './config.ts';

test('MEDIA=builtin and MEDIA=rtpengine:HOST:PORT[@METRIC][,…]', () => {
  assert.deepEqual(parseMediaSpec('builtin'), { ok: true, value: { kind: 'builtin' } });
  assert.deepEqual(parseMediaSpec('rtpengine:10.0.0.5:2223'), {
    ok: true,
    value: { kind: 'rtpengine', relays: [{ host: '10.0.0.5', port: 2223, metric: 1 }] },
  });
  assert.deepEqual(parseMediaSpec(' rtpengine:rtp1.example.net:2223@2,[2001:db8::7]:2224 '), {
    ok: true,
    value: {
      kind: 'rtpengine',
      relays: [
        { host: 'rtp1.example.net', port: 2223, metric: 2 },
        { host: '2001:db8::7', port: 2224, metric: 1 },
      ],
    },
  });
});

test('bad MEDIA values are coded errors', () => {
  for (const bad of ['', 'rtpproxy:1.2.3.4:7722', 'rtpengine:', 'rtpengine:host', 'rtpengine:h:0', 'rtpengine:h:70000',
    'rtpengine:h:1@0', 'rtpengine:[nope]:1', 'rtpengine:a:1,a:1', 'rtpengine:a b:1']) {
    const r = parseMediaSpec(bad);
    assert.equal(r.ok, false, bad);
    if (!r.ok) assert.equal(r.code, 'bad_media_spec');
  }
});

test('the factory builds the engine the spec names', async () => {
  const b = createMediaEngine({ kind: 'builtin' }, { builtin: { portMin: 40000, portMax: 40010 } });
  assert.equal(b.kind, 'builtin');
  await b.close();
  const r = createMediaEngine({ kind: 'rtpengine', relays: [{ host: '127.0.0.1', port: 9, metric: 1 }] });
  assert.equal(r.kind, 'rtpengine');
  assert.equal(r.capabilities.transcoding, true);
  await r.close();
});
