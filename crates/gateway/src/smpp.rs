//! SMPP 3.4 as an ESME: one transceiver session to the operator's SMSC, kept up by a
//! background task. `bind_transceiver`, `submit_sm` (answers matched by sequence number),
//! `deliver_sm` for inbound messages and delivery receipts, `enquire_link` to keep the
//! session alive, reconnection with backoff, and a pause on `ESME_RTHROTTLED`.
//!
//! The PDU codec is rusmpp's; the session is written here because the one client crate
//! (rusmppc) pulls a DNS resolver with open advisories (see the stack notes).

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use futures::{SinkExt, StreamExt};
use passa_app::{SmsTransport, TransportError};
use passa_domain::{PhoneNumber, SmsId};
use passa_store::DeliveryStatus;
use rusmpp::pdus::{BindTransceiver, DeliverSmResp, SubmitSm};
use rusmpp::tlvs::MessageSubmissionRequestTlvValue;
use rusmpp::tokio_codec::CommandCodec;
use rusmpp::types::{AnyOctetString, COctetString, OctetString};
use rusmpp::values::{
    DataCoding, InterfaceVersion, MCDeliveryReceipt, MessagePayload, Npi, RegisteredDelivery, Ton,
};
use rusmpp::{Command, CommandStatus, Pdu};
use tokio::sync::{mpsc, oneshot};
use tokio::time::Instant;
use tokio_util::codec::Framed;

use crate::Secret;

/// How to reach the operator.
#[derive(Debug, Clone)]
pub struct SmppConfig {
    /// `host:port`.
    pub address: String,
    pub system_id: String,
    pub password: Secret,
    /// Sender: an E.164 number or up to 11 letters and digits.
    pub source_addr: String,
    pub enquire_link: Duration,
    /// How long a submit may wait for its answer (and for a session to come up).
    pub timeout: Duration,
}

/// What the SMSC tells us: replies and delivery receipts.
#[async_trait]
pub trait SmppEvents: Send + Sync {
    /// An inbound SMS. `id` is unique per message for deduplication.
    async fn inbound(&self, id: String, from: PhoneNumber, text: String);
    async fn delivery(&self, message_id: String, status: DeliveryStatus);
}

struct Submit {
    to: PhoneNumber,
    body: String,
    reply: oneshot::Sender<Result<String, TransportError>>,
}

/// The SMPP transport: sends go to the session task over a channel.
#[derive(Debug)]
pub struct Smpp {
    requests: mpsc::Sender<Submit>,
    timeout: Duration,
}

impl std::fmt::Debug for Submit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Submit")
    }
}

impl Smpp {
    /// Starts the session task; it connects, binds and reconnects on its own.
    pub fn start(config: SmppConfig, events: Arc<dyn SmppEvents>) -> Self {
        let (tx, rx) = mpsc::channel(1_024);
        let timeout = config.timeout;
        tokio::spawn(session_loop(config, rx, events));
        Self {
            requests: tx,
            timeout,
        }
    }
}

#[async_trait]
impl SmsTransport for Smpp {
    fn name(&self) -> &'static str {
        "smpp"
    }

    async fn send(
        &self,
        _id: SmsId,
        to: &PhoneNumber,
        body: &str,
    ) -> Result<String, TransportError> {
        let (reply, answer) = oneshot::channel();
        self.requests
            .send(Submit {
                to: to.clone(),
                body: body.to_owned(),
                reply,
            })
            .await
            .map_err(|_| TransportError::Retry("the SMPP session has stopped".into()))?;
        match tokio::time::timeout(self.timeout, answer).await {
            Ok(Ok(result)) => result,
            Ok(Err(_)) => Err(TransportError::Retry(
                "the SMPP session dropped the message".into(),
            )),
            // Ambiguous, like an HTTP timeout: the SMSC may have it. Retried.
            Err(_) => Err(TransportError::Retry(
                "no answer from the SMSC in time".into(),
            )),
        }
    }
}

type Session = Framed<tokio::net::TcpStream, CommandCodec>;

async fn session_loop(
    config: SmppConfig,
    mut requests: mpsc::Receiver<Submit>,
    events: Arc<dyn SmppEvents>,
) {
    let mut backoff = Duration::from_millis(500);
    loop {
        match run_session(&config, &mut requests, events.as_ref()).await {
            Ok(()) => return,
            Err(e) => {
                tracing::warn!(error = %e, "SMPP session ended; reconnecting");
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(Duration::from_secs(30));
            }
        }
    }
}

fn c_octets<const MIN: usize, const MAX: usize>(s: &str) -> Result<COctetString<MIN, MAX>, String> {
    let mut bytes = s.as_bytes().to_vec();
    bytes.push(0);
    COctetString::from_vec(bytes).map_err(|_| "a field is too long for SMPP".to_owned())
}

/// The address of a number as the SMSC wants it: international, digits only.
fn address(number: &PhoneNumber) -> String {
    number.as_e164().trim_start_matches('+').to_owned()
}

fn submit_pdu(config: &SmppConfig, to: &PhoneNumber, body: &str) -> Result<SubmitSm, String> {
    let (coding, bytes) = match passa_sms::encode_gsm7(body) {
        // GSM 03.38 unpacked, one septet per octet: what data_coding 0 means to most SMSCs.
        Some(septets) => (DataCoding::McSpecific, septets),
        None => (
            DataCoding::Ucs2,
            body.encode_utf16().flat_map(u16::to_be_bytes).collect(),
        ),
    };
    let alphanumeric = !config.source_addr.starts_with('+');
    let mut pdu = SubmitSm::builder()
        .source_addr_ton(if alphanumeric { Ton::Alphanumeric } else { Ton::International })
        .source_addr_npi(if alphanumeric { Npi::Unknown } else { Npi::Isdn })
        .source_addr(c_octets(config.source_addr.trim_start_matches('+'))?)
        .dest_addr_ton(Ton::International)
        .dest_addr_npi(Npi::Isdn)
        .destination_addr(c_octets(&address(to))?)
        .registered_delivery(RegisteredDelivery::new(
            MCDeliveryReceipt::McDeliveryReceiptRequestedWhereFinalDeliveryOutcomeIsSuccessOrFailure,
            Default::default(),
            Default::default(),
            0,
        ))
        .data_coding(coding)
        .build();
    if bytes.len() <= 254 {
        pdu.set_short_message(
            OctetString::from_slice(&bytes).map_err(|_| "message too long".to_owned())?,
        );
    } else {
        // Longer than one short_message: the whole text in message_payload, the SMSC splits.
        pdu.push_tlv(MessageSubmissionRequestTlvValue::MessagePayload(
            MessagePayload::new(AnyOctetString::from_slice(&bytes)),
        ));
    }
    Ok(pdu)
}

fn decode_text(coding: DataCoding, bytes: &[u8]) -> String {
    match coding {
        DataCoding::Ucs2 => {
            let units: Vec<u16> = bytes
                .chunks_exact(2)
                .map(|c| u16::from_be_bytes([c[0], c[1]]))
                .collect();
            String::from_utf16_lossy(&units)
        }
        DataCoding::Latin1 => bytes.iter().map(|b| char::from(*b)).collect(),
        DataCoding::Ia5 => String::from_utf8_lossy(bytes).into_owned(),
        _ => passa_sms::decode_gsm7(bytes),
    }
}

/// `id:XYZ sub:001 dlvrd:001 … stat:DELIVRD err:000 text:…` (SMPP 3.4 appendix B).
fn parse_receipt(text: &str) -> Option<(String, DeliveryStatus)> {
    let field = |name: &str| {
        text.split_whitespace()
            .find_map(|w| w.strip_prefix(name).map(str::to_owned))
    };
    let id = field("id:")?;
    let status = match field("stat:")?.as_str() {
        "DELIVRD" => DeliveryStatus::Delivered,
        "ENROUTE" | "ACCEPTD" => DeliveryStatus::Sent,
        _ => DeliveryStatus::Failed,
    };
    Some((id, status))
}

async fn send_command(session: &mut Session, command: Command) -> Result<(), String> {
    session
        .send(command)
        .await
        .map_err(|e| format!("writing to the SMSC: {e}"))
}

async fn run_session(
    config: &SmppConfig,
    requests: &mut mpsc::Receiver<Submit>,
    events: &dyn SmppEvents,
) -> Result<(), String> {
    let stream = tokio::time::timeout(
        config.timeout,
        tokio::net::TcpStream::connect(&config.address),
    )
    .await
    .map_err(|_| "connecting to the SMSC timed out".to_owned())?
    .map_err(|e| format!("connecting to the SMSC: {e}"))?;
    let mut session = Framed::new(stream, CommandCodec::new());
    let mut sequence: u32 = 1;
    let bind = BindTransceiver::builder()
        .system_id(c_octets(&config.system_id)?)
        .password(c_octets(config.password.expose())?)
        .interface_version(InterfaceVersion::Smpp3_4)
        .build();
    send_command(
        &mut session,
        Command::new(CommandStatus::EsmeRok, sequence, bind),
    )
    .await?;
    let bound = tokio::time::timeout(config.timeout, session.next())
        .await
        .map_err(|_| "no answer to bind_transceiver".to_owned())?;
    match bound {
        Some(Ok(c))
            if matches!(c.pdu(), Some(Pdu::BindTransceiverResp(_)))
                && c.status() == CommandStatus::EsmeRok => {}
        Some(Ok(c)) => return Err(format!("bind refused: {:?}", c.status())),
        Some(Err(e)) => return Err(format!("reading the bind answer: {e}")),
        None => return Err("the SMSC closed the connection at bind".into()),
    }
    tracing::info!("SMPP session bound");
    // Inbound messages carry no id of their own; this session's tag and the SMSC's sequence
    // number make one that a later session (sequences restart) cannot repeat.
    let mut random = [0u8; 8];
    getrandom::fill(&mut random).map_err(|e| format!("no randomness: {e}"))?;
    let tag: String = random.iter().map(|b| format!("{b:02x}")).collect();
    let mut pending: HashMap<u32, oneshot::Sender<Result<String, TransportError>>> = HashMap::new();
    let mut throttled_until = Instant::now();
    let mut keepalive = tokio::time::interval(config.enquire_link);
    keepalive.tick().await;
    let result = loop {
        tokio::select! {
            request = requests.recv(), if Instant::now() >= throttled_until => {
                let Some(request) = request else {
                    sequence = sequence.wrapping_add(1);
                    let _ = send_command(&mut session, Command::new(CommandStatus::EsmeRok, sequence, Pdu::Unbind)).await;
                    break Ok(());
                };
                let pdu = match submit_pdu(config, &request.to, &request.body) {
                    Ok(p) => p,
                    Err(e) => {
                        let _ = request.reply.send(Err(TransportError::Permanent(e)));
                        continue;
                    }
                };
                sequence = sequence.wrapping_add(1).max(2);
                if let Err(e) = send_command(&mut session, Command::new(CommandStatus::EsmeRok, sequence, pdu)).await {
                    let _ = request.reply.send(Err(TransportError::Retry(e.clone())));
                    break Err(e);
                }
                pending.insert(sequence, request.reply);
            }
            _ = tokio::time::sleep_until(throttled_until), if Instant::now() < throttled_until => {}
            frame = session.next() => {
                let command = match frame {
                    Some(Ok(c)) => c,
                    Some(Err(e)) => break Err(format!("reading from the SMSC: {e}")),
                    None => break Err("the SMSC closed the connection".into()),
                };
                let seq = command.sequence_number();
                match command.pdu() {
                    Some(Pdu::SubmitSmResp(resp)) => {
                        let Some(reply) = pending.remove(&seq) else { continue };
                        let status = command.status();
                        let answer = if status == CommandStatus::EsmeRok {
                            Ok(String::from_utf8_lossy(resp.message_id().as_ref()).trim_end_matches('\0').to_owned())
                        } else if matches!(status, CommandStatus::EsmeRthrottled | CommandStatus::EsmeRmsgqful) {
                            // Back off: no submits for a second.
                            throttled_until = Instant::now() + Duration::from_secs(1);
                            Err(TransportError::Retry(format!("the SMSC is throttling ({status:?})")))
                        } else {
                            Err(TransportError::Permanent(format!("the SMSC refused the message ({status:?})")))
                        };
                        let _ = reply.send(answer);
                    }
                    Some(Pdu::DeliverSm(deliver)) => {
                        let text = decode_text(deliver.data_coding, deliver.short_message().as_ref());
                        let receipt = u8::from(deliver.esm_class) & 0b0000_0100 != 0;
                        let ack = DeliverSmResp::builder().build();
                        send_command(&mut session, Command::new(CommandStatus::EsmeRok, seq, ack)).await?;
                        if receipt {
                            if let Some((id, status)) = parse_receipt(&text) {
                                events.delivery(id, status).await;
                            }
                        } else {
                            let from = String::from_utf8_lossy(deliver.source_addr.as_ref()).trim_end_matches('\0').to_owned();
                            match PhoneNumber::parse(&format!("+{}", from.trim_start_matches('+'))) {
                                Ok(number) => {
                                    let id = format!("smpp-{tag}-{seq}");
                                    events.inbound(id, number, text).await;
                                }
                                Err(_) => tracing::info!("an inbound SMS from a sender that is not a number was dropped"),
                            }
                        }
                    }
                    Some(Pdu::EnquireLink) => {
                        send_command(&mut session, Command::new(CommandStatus::EsmeRok, seq, Pdu::EnquireLinkResp)).await?;
                    }
                    Some(Pdu::Unbind) => {
                        let _ = send_command(&mut session, Command::new(CommandStatus::EsmeRok, seq, Pdu::UnbindResp)).await;
                        break Err("the SMSC unbound".into());
                    }
                    Some(Pdu::GenericNack) => {
                        if let Some(reply) = pending.remove(&seq) {
                            let _ = reply.send(Err(TransportError::Retry("generic_nack from the SMSC".into())));
                        }
                    }
                    _ => {}
                }
            }
            _ = keepalive.tick() => {
                sequence = sequence.wrapping_add(1).max(2);
                send_command(&mut session, Command::new(CommandStatus::EsmeRok, sequence, Pdu::EnquireLink)).await?;
            }
        }
    };
    // Answers that will never come: the SMSC may or may not have the messages; retried.
    for (_, reply) in pending.drain() {
        let _ = reply.send(Err(TransportError::Retry("the SMPP session ended".into())));
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn receipts_are_read() {
        let r = parse_receipt(
            "id:a1b2 sub:001 dlvrd:001 submit date:2612170700 done date:2612170701 stat:DELIVRD err:000 text:Passa",
        );
        assert_eq!(r, Some(("a1b2".into(), DeliveryStatus::Delivered)));
        assert_eq!(
            parse_receipt("id:9 stat:UNDELIV err:001").map(|r| r.1),
            Some(DeliveryStatus::Failed)
        );
        assert_eq!(parse_receipt("hej"), None);
    }

    #[test]
    fn texts_decode_by_coding() {
        assert_eq!(
            decode_text(
                DataCoding::McSpecific,
                &passa_sms::encode_gsm7("Ja åäö").unwrap_or_default()
            ),
            "Ja åäö"
        );
        let ucs2: Vec<u8> = "JA – 1".encode_utf16().flat_map(u16::to_be_bytes).collect();
        assert_eq!(decode_text(DataCoding::Ucs2, &ucs2), "JA – 1");
    }
}
