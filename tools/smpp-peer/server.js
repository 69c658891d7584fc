// An SMSC stand-in for Passa's SMPP tests. Listens on 127.0.0.1:PORT (0: any free port) and
// prints one JSON line per event on stdout: {"event":"listening","port":N} first, then
// "bound", "submit" (with the destination, the text and the message id it gave), "nack".
// Checks the bind credentials (SYSTEM_ID, PASSWORD). For every submit it answers with a
// message id, then sends a delivery receipt; the first submit also gets an inbound reply
// "JA <code>" from its destination, the code taken from the text. THROTTLE_FIRST=N answers
// the first N submits with ESME_RTHROTTLED instead.
'use strict';
const smpp = require('smpp');

const port = Number(process.env.PORT || 0);
const systemId = process.env.SYSTEM_ID || 'passa';
const password = process.env.PASSWORD || 'hemligt';
let throttle = Number(process.env.THROTTLE_FIRST || 0);
let submits = 0;

function out(obj) {
  process.stdout.write(JSON.stringify(obj) + '\n');
}

function text(pdu) {
  const sm = pdu.short_message;
  if (sm && typeof sm === 'object' && 'message' in sm) return String(sm.message);
  if (Buffer.isBuffer(sm)) return sm.toString(pdu.data_coding === 8 ? 'utf16le' : 'latin1');
  return String(sm || '');
}

const server = smpp.createServer({}, (session) => {
  session.on('bind_transceiver', (pdu) => {
    session.pause();
    if (pdu.system_id !== systemId || pdu.password !== password) {
      session.send(pdu.response({ command_status: smpp.ESME_RBINDFAIL }));
      session.close();
      return;
    }
    session.send(pdu.response());
    session.resume();
    out({ event: 'bound' });
  });
  session.on('enquire_link', (pdu) => session.send(pdu.response()));
  session.on('unbind', (pdu) => {
    session.send(pdu.response());
    session.close();
  });
  session.on('submit_sm', (pdu) => {
    if (throttle > 0) {
      throttle -= 1;
      session.send(pdu.response({ command_status: smpp.ESME_RTHROTTLED }));
      out({ event: 'throttled' });
      return;
    }
    submits += 1;
    const id = 'm' + submits.toString(16).padStart(6, '0');
    const body = text(pdu);
    const n = submits;
    session.send(pdu.response({ message_id: id }));
    out({ event: 'submit', to: pdu.destination_addr, text: body, id: id, data_coding: pdu.data_coding });
    setTimeout(() => {
      session.deliver_sm({
        source_addr: pdu.destination_addr,
        destination_addr: pdu.source_addr,
        esm_class: smpp.ESM_CLASS.MC_DELIVERY_RECEIPT,
        short_message: 'id:' + id + ' sub:001 dlvrd:001 submit date:2612170700 done date:2612170701 stat:DELIVRD err:000 text:',
      });
      const code = /JA (\d{4})/.exec(body);
      if (n === 1 && code) {
        session.deliver_sm({
          source_addr: pdu.destination_addr,
          destination_addr: pdu.source_addr,
          short_message: 'Ja ' + code[1],
        });
      }
    }, 20);
  });
});

server.listen(port, '127.0.0.1', () => {
  out({ event: 'listening', port: server.address().port });
});
