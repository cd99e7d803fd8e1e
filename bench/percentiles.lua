-- wrk -s bench/percentiles.lua: after wrk's own summary (which stops at p99), one line with the latency percentiles
-- from p50 to p99.99, the maximum, the mean and the standard deviation, in milliseconds.
done = function(summary, latency, requests)
  local line = "percentiles-ms"
  for _, p in ipairs({50, 75, 90, 95, 99, 99.5, 99.9, 99.99}) do
    line = line .. string.format(" p%s=%.2f", p, latency:percentile(p) / 1000)
  end
  line = line .. string.format(" max=%.2f mean=%.2f sd=%.2f", latency.max / 1000, latency.mean / 1000, latency.stdev / 1000)
  io.write(line .. "\n")
end
