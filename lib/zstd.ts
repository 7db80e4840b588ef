/** zstd argv builders (pure). Compression at rest uses level 3 on every core. */

export function compressArgs(level = 3): string[] {
  return ['zstd', `-${level}`, '-T0', '-q', '-c']
}

export function decompressArgs(): string[] {
  return ['zstd', '-d', '-q', '-c']
}
