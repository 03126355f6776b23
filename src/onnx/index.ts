export { openDeviceSession, type DeviceSession, type DeviceSessionOptions, type OnnxDevice, type Skipped } from './device-session';
export { loadRuntime, wasmThreads, type Runtime } from './runtime';
export { requireWebGpuAdapter } from './device-probe';
