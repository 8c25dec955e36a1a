// Wire types of the 3CX Call Control API as a client receives them: snake_case, exactly what the server sends.

/**
 * One DN's leg of one call (`GET /callcontrol/{dn}/participants/{id}`). Every field is always present; unset type
 * fields are `"None"`, unset DN fields `""`.
 */
export interface Participant {
  /** Participant id (int32). */
  id: number;
  /** `Dialing` (this side originated, far end not answered yet), `Ringing` (being offered the call) or `Connected`. */
  status: string;
  dn: string;
  party_caller_name: string;
  party_dn: string;
  party_caller_id: string;
  party_did: string;
  device_id: string;
  /** `Wextension`, `Wroutepoint`, `Wivr`, `Wqueue`, `Wexternalline` or `None`. */
  party_dn_type: string;
  direct_control: boolean;
  originated_by_dn: string;
  originated_by_type: string;
  referred_by_dn: string;
  referred_by_type: string;
  on_behalf_of_dn: string;
  on_behalf_of_type: string;
  callid: number;
  legid: number;
}

/** A registered device of a DN (`GET /callcontrol/{dn}/devices/{deviceid}`). */
export interface Device {
  dn: string;
  /** Often a SIP URI such as `sip:101@10.0.0.21:5060`; contains `:`, `@` and `;`. */
  device_id: string;
  user_agent: string;
}

/** A DN the application may see (`GET /callcontrol`, `GET /callcontrol/{dn}`). */
export interface DnInfo {
  dn: string;
  /** `Wroutepoint`, `Wextension`, `Wivr`, `Wqueue` or `Wexternalline`. */
  type: string;
  devices: Device[];
  participants: Participant[];
}

/** The body of makecall and participant action responses, and of every `/callcontrol` error. */
export interface CallControlResult {
  /** `Success` (200 or 202), `Rejected` (refused before anything happened) or `Failed` (attempted and failed). */
  finalstatus: string;
  /** `None` on success, else an error code such as `DestinationBusy` or `InvalidState`. */
  reason: string;
  /** The participant the request concerns; `null` on errors and while a DN-form makecall is pending. */
  result: Participant | null;
  /** A sentence for people. */
  reasontext: string;
}

/**
 * A successful makecall or action response with its HTTP status: 200 when the outcome is known, 202 when the
 * server's wait (the request's `timeout`) ended before the outcome: it is then discovered from events.
 */
export interface ActionResult extends CallControlResult {
  status: number;
}

/** `POST /connect/token` success body. */
export interface TokenResponse {
  token_type: string;
  /** Live 3CX servers send 60 whatever the token's real lifetime: the JWT's `exp` claim is what counts. */
  expires_in: number;
  access_token: string;
  refresh_token: string | null;
}

/** The reasons divert, routeto and transferto accept. */
export type Reason =
  | 'None'
  | 'NoAnswer'
  | 'PhoneBusy'
  | 'PhoneNotRegistered'
  | 'ForwardAll'
  | 'BasedOnCallerID'
  | 'BasedOnDID'
  | 'OutOfOfficeHours'
  | 'BreakTime'
  | 'Holiday'
  | 'OfficeHours'
  | 'NoDestinations'
  | 'Polling'
  | 'CallbackRequested'
  | 'Callback';

/** Key/value strings attached to a connection. */
export type AttachedData = Record<string, string>;

/** Body of `makecall` (both the DN and the device form). */
export interface MakeCallRequest {
  /** A DN or an external number. */
  destination: string;
  /** Ring timeout of the destination in seconds (0 or absent: the PBX default). */
  timeout?: number;
  attacheddata?: AttachedData;
}

/** Body of `divert`, `routeto` and `transferto`. */
export interface RouteRequest {
  destination: string;
  reason?: Reason;
  /** How long the server waits for the outcome before answering 202, in seconds. */
  timeout?: number;
}

/** Body of `attach_participant_data` and `attach_party_data`. */
export interface AttachDataRequest {
  attacheddata: AttachedData;
}

/** The participant actions, by their wire names. */
export type ParticipantActionName = 'drop' | 'answer' | 'divert' | 'routeto' | 'transferto' | 'attach_participant_data' | 'attach_party_data';

/** Options every request method takes. */
export interface CallOptions {
  /** Aborts the request (and a token request it waits for). */
  signal?: AbortSignal;
}
