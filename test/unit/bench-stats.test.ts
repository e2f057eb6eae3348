import { latencies, meanOf, percentile } from '../../bench/lib/stats';

// The benchmarks' arithmetic (bench/lib/stats.ts): nearest-rank percentiles, as the figures in
// docs/performance.md are computed.

it('takes the nearest-rank percentile, whatever the order of the values', () => {
  const values = Array.from({ length: 100 }, (_, i) => 100 - i); // 100 … 1
  expect(percentile(values, 0.5)).toBe(50);
  expect(percentile(values, 0.95)).toBe(95);
  expect(percentile(values, 0.99)).toBe(99);
  expect(percentile(values, 1)).toBe(100);
  expect(percentile([7], 0.99)).toBe(7);
  expect(percentile([], 0.5)).toBeNaN();
});

it('summarises latencies to a tenth of a millisecond and counts them', () => {
  expect(latencies([1.234, 2.345, 3.456, 4.567])).toEqual({
    count: 4,
    p50: 2.3,
    p95: 4.6,
    p99: 4.6,
    max: 4.6,
  });
});

it('averages each key over samples', () => {
  expect(
    meanOf([
      { a: 1, b: 0.5 },
      { a: 2, b: 0.25 },
    ]),
  ).toEqual({ a: 1.5, b: 0.38 });
});
