// The API preload.cjs exposes to the renderer as `window.halo`, for
// type-checking renderer code (tsc --checkJs, or a TypeScript renderer).
interface HaloBridge {
  config(): Promise<{ baseUrl: string; siteId: string; deviceId: string }>;
  wasmBytes(): Promise<Uint8Array>;
  getToken(reason: import("halo-device").TokenReason): Promise<import("halo-device").IssuedToken>;
  appointments(): Promise<Array<{ AppointmentID: number; InternalID: number; AppointmentDate: string; Reason: string }>>;
}

interface Window {
  readonly halo: HaloBridge;
}
