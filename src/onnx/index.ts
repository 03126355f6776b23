export { openDeviceSession, type DeviceSession, type DeviceSessionOptions, type OnnxDevice, type Skipped } from './device-session';
export { loadOrt, wasmThreads } from './runtime';
export { requireWebGpuAdapter } from './device-probe';
