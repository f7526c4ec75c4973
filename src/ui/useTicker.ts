import { useEffect, useState } from 'react';

/** A counter that advances every `intervalMs` while `active`: drives spinners and elapsed times. */
export function useTicker(active: boolean, intervalMs = 100): number {
  const [tick, setTick] = useState(0);
  useEffect(() => {
    if (!active) return;
    const timer = setInterval(() => setTick((n) => n + 1), intervalMs);
    return () => clearInterval(timer);
  }, [active, intervalMs]);
  return tick;
}
