/**
 * How a daemon (hub serve, spoke schedule, mirror watch, mirror serve) learns it should stop:
 * the first SIGTERM or SIGINT resolves `promise` and the daemon finishes its work in hand;
 * a second one takes the default action (the process dies by it).
 *
 * The listeners stay registered (process.on, not once) until dispose: execa's child clean-up
 * (signal-exit) re-raises a signal whenever it finds itself the only listener left, so a
 * `once` listener, gone by the time signal-exit looks, let SIGTERM kill a daemon that had a
 * child running (an ingest's zstd, a cycle's rsync) instead of letting it finish.
 */
export interface StopSignal {
  promise: Promise<string>
  /** Removes the listeners (call when the daemon has stopped). */
  dispose(): void
}

export function stopSignal(): StopSignal {
  const sigs = ['SIGTERM', 'SIGINT'] as const
  let seen = false
  let resolve: (sig: string) => void = () => {}
  const promise = new Promise<string>(res => (resolve = res))
  const listeners = new Map<string, () => void>()
  const dispose = (): void => {
    for (const [sig, fn] of listeners) process.off(sig, fn)
    listeners.clear()
  }
  for (const sig of sigs) {
    const fn = (): void => {
      if (!seen) {
        seen = true
        resolve(sig)
        return
      }
      dispose()
      process.kill(process.pid, sig)
    }
    listeners.set(sig, fn)
    process.on(sig, fn)
  }
  return { promise, dispose }
}
