export { openDeviceSession, type DeviceSession, type DeviceSessionOptions, type OnnxDevice, type Skipped } from './device-session';
export { loadOrt } from './runtime';
