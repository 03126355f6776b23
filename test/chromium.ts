/**
 * How every test launches Chromium: Debian's build (no browser download is possible here), with the flags
 * that keep it off the network. `webgpu: true` adds the flag that exposes a (software) WebGPU adapter;
 * without it no adapter is found, which is how the WASM fallback is exercised.
 */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export function chromiumLaunchOptions({ webgpu = false }: { webgpu?: boolean } = {}) {
  const args = ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];
  if (webgpu) args.push('--enable-unsafe-webgpu', '--enable-unsafe-swiftshader', '--use-angle=swiftshader', '--use-webgpu-adapter=swiftshader');
  return { executablePath: CHROMIUM_PATH, args };
}
