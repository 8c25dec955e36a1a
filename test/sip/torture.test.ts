// RFC 4475 torture messages: valid ones parse to the fields the RFC describes, invalid ones are refused with the RFC's answer.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseMessage } from '../../src/sip/parser.js';
import { SipParseError } from '../../src/sip/errors.js';
import { callIdOf, contactsOf, cseqOf, fromOf, maxForwardsOf, routesOf, tagOf, toOf, viasOf, type SipRequest, type SipResponse } from '../../src/sip/message.js';
import { decodePercent, isSipUri, type SipUri } from '../../src/sip/uri.js';
import { checkRequest, type RequestPolicy } from '../../src/sip/validate.js';
import { loadTorture } from './torture/decode.js';
import { viaBranch } from '../../src/sip/via.js';

const valid = loadTorture('valid');
const invalid = loadTorture('invalid');
const semantic = loadTorture('semantic');

function msg(set: Map<string, Buffer>, name: string): Buffer {
  const bytes = set.get(name);
  assert.ok(bytes, `torture file ${name} exists`);
  return bytes;
}

function req(name: string, set = valid): SipRequest {
  const m = parseMessage(msg(set, name));
  assert.equal(m.type, 'request');
  return m as SipRequest;
}

function res(name: string, set = valid): SipResponse {
  const m = parseMessage(msg(set, name));
  assert.equal(m.type, 'response');
  return m as SipResponse;
}

function sip(uri: unknown): SipUri {
  assert.ok(isSipUri(uri as SipUri), 'a SIP URI');
  return uri as SipUri;
}

const policy: RequestPolicy = {
  methods: ['INVITE', 'ACK', 'BYE', 'CANCEL', 'OPTIONS', 'REGISTER'],
  extensions: ['path', 'outbound'],
  bodyTypes: ['application/sdp'],
};

describe('RFC 4475 §3.1.1 valid messages', () => {
  test('the corpus holds every valid message transcribed (mpart01 excepted, see docs/sip.md)', () => {
    assert.deepEqual([...valid.keys()].sort(), ['badbranch', 'dblreq', 'esc01', 'esc02', 'escnull', 'intmeth', 'longreq', 'lwsdisp', 'noreason', 'semiuri', 'transports', 'unreason', 'wsinv']);
  });

  test('3.1.1.1 wsinv: folding, compact forms, odd whitespace and case', () => {
    const m = req('wsinv');
    assert.equal(m.method, 'INVITE');
    assert.equal(sip(m.uri).host, 'chair-dnrc.example.com');
    assert.ok(sip(m.uri).params.has('unknownparam'));
    assert.equal(tagOf(toOf(m)), '1918181833n');
    const from = fromOf(m);
    assert.equal(from.displayName, 'J Rosenberg \\"');
    assert.equal(tagOf(from), '98asjd8');
    assert.equal(maxForwardsOf(m), 68);
    assert.deepEqual(cseqOf(m), { seq: 9, method: 'INVITE' });
    const vias = viasOf(m);
    assert.equal(vias.length, 3);
    assert.deepEqual(vias.map((v) => [v.transport, v.host, viaBranch(v)]), [
      ['UDP', '192.0.2.2', '390skdjuw'],
      ['TCP', 'spindle.example.com', 'z9hG4bK9ikj8'],
      ['UDP', '192.168.255.111', 'z9hG4bK30239'],
    ]);
    assert.equal(m.headers.get('Subject'), '');
    assert.equal(m.headers.get('NewFangledHeader'), 'newfangled value continued newfangled value');
    assert.equal(m.headers.get('UnknownHeaderWithUnusualValue'), ';;,,;;,;');
    assert.equal(sip(routesOf(m, 'Route')[0]?.uri).params.get('unknownwith'), 'value');
    const contacts = contactsOf(m);
    assert.ok(contacts !== '*');
    assert.equal(contacts[0]?.displayName, 'Quoted string ""');
    assert.equal(contacts[0]?.params.get('newparam'), 'newvalue');
    assert.equal(contacts[0]?.params.get('secondparam'), null);
    assert.equal(contacts[0]?.params.get('q'), '0.33');
    assert.equal(m.body.length, 150);
  });

  test('3.1.1.2 intmeth: the widest legal token, word and URI character sets', () => {
    const m = req('intmeth');
    assert.equal(m.method, "!interesting-Method0123456789_*+`.%indeed'~");
    assert.equal(sip(m.uri).user, "1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*");
    assert.equal(sip(m.uri).password, '&it+has=1,weird!*pas$wo~d_too.(doesn\'t-it)');
    assert.equal(toOf(m).displayName, 'BEL:\x07 NUL:\x00 DEL:\x7f');
    assert.equal(fromOf(m).displayName, "token1~` token2'+_ token3*%!.-");
    assert.equal(tagOf(fromOf(m)), "_token~1'+`*%!-.");
    assert.equal(callIdOf(m), 'intmeth.word%ZK-!.*_+\'@word`~)(><:\\/"][?}{');
    assert.equal(cseqOf(m).method, m.method);
    assert.equal(m.headers.get("extensionHeader-!.%*+_`'~"), '\ufeff大停電');
  });

  test('3.1.1.3 esc01: escaped characters compare unescaped', () => {
    const m = req('esc01');
    assert.equal(decodePercent(sip(m.uri).user ?? ''), 'sips:user@example.com');
    assert.equal(decodePercent(sip(toOf(m).uri).user ?? ''), 'user');
    assert.equal(decodePercent(sip(fromOf(m).uri).user ?? ''), 'I have spaces');
    const contacts = contactsOf(m);
    assert.ok(contacts !== '*');
    assert.equal(decodePercent(sip(contacts[0]?.uri).user ?? ''), 'caller');
    assert.equal(m.headers.get('Content-Type'), 'application/sdp');
  });

  test('3.1.1.4 escnull: escaped NULs are legal in user parts', () => {
    const m = req('escnull');
    const contacts = contactsOf(m);
    assert.ok(contacts !== '*');
    assert.deepEqual(contacts.map((c) => decodePercent(sip(c.uri).user ?? '')), ['\0', '\0\0']);
    assert.equal(decodePercent(sip(toOf(m).uri).user ?? ''), 'null-\0-null');
  });

  test('3.1.1.5 esc02: % in a method and header name is just a token character', () => {
    const m = req('esc02');
    assert.equal(m.method, 'RE%47IST%45R');
    assert.equal(toOf(m).displayName, '%Z%45');
    assert.equal(m.headers.getAll('Contact').length, 2, 'C%6Fntact is another header, not Contact');
    assert.equal(m.headers.get('C%6Fntact'), '<sip:alias2@host2.example.com>');
  });

  test('3.1.1.6 lwsdisp: no blank needed between display name and <', () => {
    assert.equal(fromOf(req('lwsdisp')).displayName, 'caller');
  });

  test('3.1.1.7 longreq: long values and 34 Via values under many spellings', () => {
    const m = req('longreq');
    assert.equal(viasOf(m).length, 34);
    assert.equal(viasOf(m)[33]?.params.get('received'), '192.0.2.5');
    assert.equal(sip(toOf(m).uri).port, 6000);
    assert.equal(tagOf(fromOf(m)), `1${'298'.repeat(50)}2424`);
    assert.equal(m.body.length, 150);
  });

  test('3.1.1.8 dblreq: over UDP the bytes after Content-Length are discarded', () => {
    const m = req('dblreq');
    assert.equal(m.method, 'REGISTER');
    assert.equal(m.body.length, 0);
    assert.equal(callIdOf(m), 'dblreq.0ha0isndaksdj99sdfafnl3lk233412');
  });

  test('3.1.1.9 semiuri: ; inside the user part, and a folded Accept list', () => {
    const m = req('semiuri');
    assert.equal(sip(m.uri).user, 'user;par=u%40example.net');
    assert.equal(sip(m.uri).params.size, 0);
    assert.deepEqual(m.headers.getAll('Accept'), ['application/sdp', 'application/pkcs7-mime', 'multipart/mixed', 'multipart/signed', 'message/sip', 'message/sipfrag']);
  });

  test('3.1.1.10 transports: unknown transports in Via are kept', () => {
    assert.deepEqual(viasOf(req('transports')).map((v) => v.transport), ['UDP', 'SCTP', 'TLS', 'UNKNOWN', 'TCP']);
  });

  test('3.1.1.12 unreason: a UTF-8 reason phrase', () => {
    const m = res('unreason');
    assert.equal(m.status, 200);
    assert.equal(m.reason, '= 2**3 * 5**2 но сто девяносто девять - простое');
    assert.equal(m.body.length, 154);
  });

  test('3.1.1.13 noreason: an empty reason phrase', () => {
    const m = res('noreason');
    assert.equal(m.status, 100);
    assert.equal(m.reason, '');
  });

  test('3.2.1 badbranch: a branch of only the magic cookie still parses', () => {
    assert.equal(viaBranch(viasOf(req('badbranch'))[0]!), 'z9hG4bK');
  });
});

/** [name, status a server answers (0: a response, dropped), error code]. */
const refusals: Array<[string, number, string]> = [
  ['badinv01', 400, 'MALFORMED_HEADER'],
  ['clerr', 400, 'TRUNCATED_BODY'],
  ['scalar02', 400, 'MALFORMED_HEADER'],
  ['scalarlg', 0, 'MALFORMED_HEADER'],
  ['quotbal', 400, 'MALFORMED_HEADER'],
  ['ltgtruri', 400, 'MALFORMED_HEADER'],
  ['lwsruri', 400, 'MALFORMED_START_LINE'],
  ['lwsstart', 400, 'MALFORMED_START_LINE'],
  ['trws', 400, 'MALFORMED_START_LINE'],
  ['regbadct', 400, 'MALFORMED_HEADER'],
  ['badaspec', 400, 'MALFORMED_HEADER'],
  ['baddn', 400, 'MALFORMED_HEADER'],
  ['badvers', 505, 'UNSUPPORTED_VERSION'],
  ['mismatch01', 400, 'METHOD_MISMATCH'],
  ['mismatch02', 400, 'METHOD_MISMATCH'],
  ['bigcode', 0, 'MALFORMED_START_LINE'],
  ['insuf', 400, 'MISSING_HEADER'],
  ['multi01', 400, 'DUPLICATE_HEADER'],
  ['mcl01', 400, 'DUPLICATE_HEADER'],
  ['ncl', 400, 'BAD_CONTENT_LENGTH'],
];

describe('RFC 4475 invalid messages are refused', () => {
  test('every invalid file has an expected refusal', () => {
    assert.deepEqual([...invalid.keys()].sort(), refusals.map(([n]) => n).concat(['escruri']).sort());
  });

  for (const [name, status, code] of refusals) {
    test(`${name}: ${status === 0 ? 'dropped (a response)' : `answered ${status}`} (${code})`, () => {
      const bytes = msg(invalid, name);
      assert.throws(() => parseMessage(bytes), (err: unknown) => {
        assert.ok(err instanceof SipParseError);
        assert.equal(err.code, code);
        if (status === 0) assert.equal(err.request, undefined, 'responses are never answered');
        else {
          assert.equal(err.status, status);
          assert.ok(err.request, 'the request part read is kept so a 400 can be addressed');
        }
        return true;
      });
    });
  }

  test('escruri: parses, but a URI header in the Request-URI is refused with 400', () => {
    const m = req('escruri', invalid);
    assert.deepEqual(sip(m.uri).headers, [['Route', '%3Csip:example.com%3E']]);
    assert.equal(checkRequest(m, policy)?.status, 400);
  });
});

describe('RFC 4475 §3.3 and §3.4 messages that parse and are answered by the application', () => {
  test('unkscm and novelsc: unknown Request-URI schemes get 416', () => {
    for (const name of ['unkscm', 'novelsc']) assert.equal(checkRequest(req(name, semantic), policy)?.status, 416, name);
  });

  test('bext01: an unknown Require gets 420 listing it; Proxy-Require is for proxies', () => {
    const refusal = checkRequest(req('bext01', semantic), policy);
    assert.equal(refusal?.status, 420);
    assert.deepEqual(refusal?.headers, [['Unsupported', 'nothingSupportsThis, nothingSupportsThisEither']]);
  });

  test('invut: an unknown body type gets 415 with Accept', () => {
    const refusal = checkRequest(req('invut', semantic), policy);
    assert.equal(refusal?.status, 415);
    assert.deepEqual(refusal?.headers, [['Accept', 'application/sdp']]);
  });

  test('unksm2: non-SIP URIs in To, From and Contact parse', () => {
    const m = req('unksm2', semantic);
    assert.equal(toOf(m).uri.scheme, 'isbn');
    assert.equal(fromOf(m).uri.scheme, 'http');
    const contacts = contactsOf(m);
    assert.ok(contacts !== '*');
    assert.equal(contacts[0]?.uri.scheme, 'name');
  });

  test('cparam01 and cparam02: where unknownparam belongs depends on the angle brackets', () => {
    const c1 = contactsOf(req('cparam01', semantic));
    const c2 = contactsOf(req('cparam02', semantic));
    assert.ok(c1 !== '*' && c2 !== '*');
    assert.ok(c1[0]?.params.has('unknownparam') && sip(c1[0]?.uri).params.size === 0);
    assert.ok(sip(c2[0]?.uri).params.has('unknownparam') && c2[0]?.params.size === 0);
  });

  test('regescrt: an escaped Route in a bracketed Contact is a URI header', () => {
    const contacts = contactsOf(req('regescrt', semantic));
    assert.ok(contacts !== '*');
    assert.deepEqual(sip(contacts[0]?.uri).headers, [['Route', '%3Csip:sip.example.com%3E']]);
  });

  test('zeromf: Max-Forwards 0 parses (a UA still answers OPTIONS)', () => {
    const m = req('zeromf', semantic);
    assert.equal(maxForwardsOf(m), 0);
    assert.equal(checkRequest(m, policy), undefined);
  });

  test('bcast: a response whose second Via is a broadcast address parses', () => {
    assert.equal(viasOf(res('bcast', semantic))[1]?.host, '255.255.255.255');
  });

  test('baddate, sdp01, regaut01: parse and pass the generic checks', () => {
    for (const name of ['baddate', 'sdp01', 'regaut01']) assert.equal(checkRequest(req(name, semantic), policy), undefined, name);
    assert.equal(req('regaut01', semantic).headers.get('Authorization'), 'NoOneKnowsThisScheme opaque-data=here');
  });

  test('inv2543: an RFC 2543 INVITE (no branch, no Max-Forwards, no Content-Length) is accepted', () => {
    const m = req('inv2543', semantic);
    assert.equal(viaBranch(viasOf(m)[0]!), undefined);
    assert.equal(maxForwardsOf(m), undefined);
    assert.equal(m.body.toString().startsWith('v=0'), true);
  });
});
