import { describe, expect, it } from 'vitest';
import { LINKTYPE } from '../../../main/capture/linktype.js';
import { dissectPacket, summarizePacket } from '../../../main/dissect/dissect.js';
import { looksLikeHttp } from '../../../main/dissect/http.js';
import { HTTP_GET, HTTP_RESPONSE } from '../../fixtures/dissect/frames.js';
import { concat, hex } from '../../fixtures/hex.js';
import { highlighted, nodeFor } from './support.js';

/** Ethernet + IPv4 + a 20-byte TCP header 40000 → `port` [PSH, ACK] in front of `payload`. */
function segment(port: number, payload: string): Uint8Array {
  const body = Uint8Array.from(Buffer.from(payload, 'latin1'));
  const total = 40 + body.length;
  const p = (n: number) =>
    `${(n >> 8).toString(16).padStart(2, '0')} ${(n & 0xff).toString(16).padStart(2, '0')}`;
  return concat(
    hex('02 00 00 00 00 02 02 00 00 00 00 01 08 00'),
    hex(`45 00 ${p(total)} 00 01 00 00 40 06 00 00 0a 00 00 01 0a 00 00 02`),
    hex(`9c 40 ${p(port)} 00 00 00 01 00 00 00 01 50 18 10 00 00 00 00 00`),
    body,
  );
}

const row = (frame: Uint8Array) => summarizePacket(LINKTYPE.ETHERNET, frame, frame.length);

describe('HTTP', () => {
  it('a request: Info "GET /index.html HTTP/1.1 ", the request line split into method, URI, version', () => {
    const d = dissectPacket(LINKTYPE.ETHERNET, HTTP_GET, HTTP_GET.length);
    expect(d.summary).toMatchObject({ protocol: 'HTTP', info: 'GET /index.html HTTP/1.1 ' });
    const http = nodeFor(d.tree, 'http');
    expect(http).toMatchObject({ label: 'Hypertext Transfer Protocol', offset: 54, length: 47 });
    expect(http.children?.map((c) => c.label)).toEqual([
      'GET /index.html HTTP/1.1\\r\\n',
      'Host: example.com\\r\\n',
      '\\r\\n',
    ]);
    expect(highlighted(HTTP_GET, nodeFor(d.tree, 'http.request.uri'))).toBe(
      Buffer.from('/index.html').toString('hex'),
    );
    expect(d.fields.get('http.request.method')).toEqual(['GET']);
    expect(d.fields.get('http.request.uri')).toEqual(['/index.html']);
    expect(d.fields.get('http.request.version')).toEqual(['HTTP/1.1']);
    expect(d.fields.get('http.host')).toEqual(['example.com']);
    expect(d.fields.get('http.request')).toEqual([true]);
    expect(d.fields.get('http.response')).toEqual([]);
    expect(d.colour).toBe('HTTP');
  });

  it('a response with a body: code, phrase, media type in Info', () => {
    const d = dissectPacket(LINKTYPE.ETHERNET, HTTP_RESPONSE, HTTP_RESPONSE.length);
    expect(d.summary.info).toBe('HTTP/1.1 200 OK  (text/html)');
    expect(d.fields.get('http.response.code')).toEqual([200]);
    expect(d.fields.get('http.response.phrase')).toEqual(['OK']);
    expect(d.fields.get('http.content_type')).toEqual(['text/html']);
    expect(d.fields.get('http.content_length')).toEqual([5]);
    expect(nodeFor(d.tree, 'http.file_data').label).toBe('File Data: 5 bytes');
  });

  it('is found by content on any port, and not on port 80 without an HTTP start', () => {
    expect(row(segment(3000, 'GET / HTTP/1.1\r\n\r\n')).protocol).toBe('HTTP');
    expect(row(segment(12345, 'POST /api HTTP/1.1\r\nHost: a\r\n\r\n')).info).toBe('POST /api HTTP/1.1 ');
    expect(row(segment(8080, 'HTTP/1.1 404 Not Found\r\n\r\n')).info).toBe('HTTP/1.1 404 Not Found ');
    const tls = row(segment(80, '\x17\x03\x03\x00\x10abcdefghijklmnop'));
    expect(tls).toMatchObject({ protocol: 'TCP', colour: 'HTTP' });
  });

  it('recognises methods and status lines only at the payload start', () => {
    const bytes = (s: string) => Uint8Array.from(Buffer.from(s, 'latin1'));
    expect(looksLikeHttp(bytes('DELETE /x HTTP/1.1'), 0, 18)).toBe(true);
    expect(looksLikeHttp(bytes('HTTP/1.0 200 OK'), 0, 15)).toBe(true);
    expect(looksLikeHttp(bytes('GETX / HTTP/1.1'), 0, 15)).toBe(false);
    expect(looksLikeHttp(bytes('HTTP/2 200'), 0, 10)).toBe(false);
    expect(looksLikeHttp(bytes('GET'), 0, 3)).toBe(false);
  });

  it('headers without their end (the rest in the next segment) still show what is here', () => {
    const partial = segment(80, 'GET /a HTTP/1.1\r\nHost: x');
    const d = dissectPacket(LINKTYPE.ETHERNET, partial, partial.length);
    expect(d.fields.get('http.host')).toEqual(['x']);
    expect(d.summary.info).toBe('GET /a HTTP/1.1 ');
  });
});
