// Multi-device accounts on the server (docs/PROTOCOL-devices.md D7, D8, D13.6, D17): device lists, their log leaves, device records, last active (D8.3).
export { DEVICES_CHANNEL, type DeviceCaller, type DeviceListAccepted, type DeviceListAnswer, type DeviceListLogged, DevicesService } from './devices.ts';
export { ACTIVITY_WINDOW_MS, type DeviceActivity, DeviceActivityService } from './activity.ts';
export { type HandleRelease, type HandleReleaseRequest, HandleReleases } from './handle-release.ts';
