/**
 * Whether the webgpu tests can run here: they need a real WebGPU adapter (a GPU, or the llvmpipe software
 * adapter of Mesa >= 25 that scripts/setup-system.sh installs from bookworm-backports; Dawn's null backend runs
 * no shaders). Without one they skip with the reason, except under MOELAB_REQUIRE_WEBGPU=1 (set by .ci/run),
 * where a missing or broken adapter fails the test instead of hiding it.
 */
import { probeWebGpu, type WebGpuAdapterInfo } from '../../src/backend/webgpu';

let probed: Promise<WebGpuAdapterInfo | null> | null = null;

/** The adapter the tests will use, or null. */
export function testAdapter(): Promise<WebGpuAdapterInfo | null> {
  probed ??= probeWebGpu().catch(() => null);
  return probed;
}

/** `false` when the webgpu tests can run; else the reason to skip. Throws under MOELAB_REQUIRE_WEBGPU=1. */
export async function webgpuSkipReason(): Promise<string | false> {
  const info = await testAdapter();
  if (info && info.device !== 'null-backend') return false;
  const reason =
    'no WebGPU adapter: needs a GPU with a Vulkan driver, or Mesa >= 25 (llvmpipe) from bookworm-backports, ' +
    'which `bash scripts/setup-system.sh` installs as root (Debian 12 Mesa 22.3 is refused by Dawn)';
  if (process.env.MOELAB_REQUIRE_WEBGPU === '1') throw new Error(`MOELAB_REQUIRE_WEBGPU=1 but ${reason}`);
  return reason;
}
