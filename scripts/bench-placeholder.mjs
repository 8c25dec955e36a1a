// Placeholder until the benchmark suite lands (see docs/benchmarks.md).
console.log('No benchmarks yet: the benchmark suite is tracked as its own piece of work.');
