// Preloaded by the benchmarks: reports the process's peak resident memory and CPU time on exit (bench only).
process.on('exit', () => {
  const usage = process.resourceUsage();
  process.stderr.write(
    `\n[maxrss-kb] ${usage.maxRSS}\n[cpu-ms] ${Math.round((usage.userCPUTime + usage.systemCPUTime) / 1000)}\n`,
  );
});
