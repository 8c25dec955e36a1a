// The SDK: CallControlClient for the 3CX Call Control API (any 3CX V20 or Switchboard), SimClient for Switchboard's /sim.

export { CallControlClient, type CallControlClientOptions } from './call-control.js';
export { SimClient } from './sim.js';
export type {
  DeviceSettings,
  NumberResult,
  NumberSettings,
  PartyActionResult,
  PlaceCallRequest,
  PlaceCallResult,
  PlayAudioResult,
  RegisterDeviceRequest,
  SimBehaviour,
  SimCall,
  SimClientOptions,
  SimClock,
  SimDevice,
  SimDn,
  SimMediaBehaviour,
  SimMediaState,
  SimParticipant,
  SimParty,
  SimSound,
  SimState,
} from './sim.js';
export { CallControlError, ConnectionError, SimError } from './errors.js';
export { DEFAULT_WAIT_TIMEOUT_MS, WaitTimeoutError, type ParticipantMatch, type WaitOptions } from './waits.js';
export { devicePath, parseEntity, participantIdOf, participantPath, type Entity } from './entities.js';
export {
  backoffDelay,
  EventStream,
  EventType,
  frameMatches,
  type CallControlEvent,
  type DtmfEvent,
  type EventFrame,
  type EventFrameOf,
  type EventStreamOptions,
  type EventStreamStatus,
  type EventTypeNumber,
  type FrameFilter,
  type PromptPlaybackFinishedEvent,
  type ReconnectOptions,
  type RemoveEvent,
  type ResponseEvent,
  type UpgradeResponse,
  type UpsertEvent,
  type WebSocketConstructor,
  type WebSocketLike,
} from './events.js';
export { decodeJwtClaims } from './token.js';
export type {
  ActionResult,
  AttachDataRequest,
  AttachedData,
  CallControlResult,
  CallOptions,
  Device,
  DnInfo,
  MakeCallRequest,
  Participant,
  ParticipantActionName,
  Reason,
  RouteRequest,
  TokenResponse,
} from './types.js';
