//! HGCM over VMMDev (requests 60–65) as the VirtualBox 7.0.14 host runs it
//! (hgcm-guest-properties.md §1–§7, §11): request checks, parameter parsing with the
//! IN data copied at submit time, asynchronous completion (immediately, inside the
//! `out`, or later when virtual time passes, or never), Cancel/Cancel2, per-client
//! call limits, and reset. One service is connectable: `VBoxGuestPropSvc`
//! (`crate::guest_props`).

use std::collections::BTreeMap;

use crate::errors::{Device, ErrorLog};
use crate::guest_props::{self, c_string, valid_name_param, GuestProps, Writer};
use crate::memory::GuestMemory;
use crate::wire::*;

/// The only service name the twin knows.
pub const GUEST_PROP_SERVICE: &str = "VBoxGuestPropSvc";
/// Outstanding calls per client must stay below this (`acMaxCallsPerClient`).
pub const MAX_CALLS_PER_CLIENT: u32 = 16;

/// When accepted commands complete.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Completion {
    /// Inside the guest's `out` (before it can look at the request).
    Immediate,
    /// When virtual time has passed `delay_us` after the command became ready (the
    /// guest has to wait for it).
    Deferred {
        /// Delay in µs (0: at the next clock advance).
        delay_us: u64,
    },
    /// Never (a hung host): commands stay pending until cancelled or reset.
    Never,
}

/// One parameter as the host parsed it at submit time.
#[derive(Debug, Clone)]
struct Param {
    kind: u32,
    /// Offset of the parameter struct in the request.
    offset: usize,
    value: u64,
    /// Guest address and size of a pointer parameter.
    addr: u64,
    size: u32,
    /// IN data snapshot (zero-filled for OUT-only).
    data: Vec<u8>,
}

impl Param {
    fn is_pointer(&self) -> bool {
        matches!(
            self.kind,
            PARM_LINADDR | PARM_LINADDR_IN | PARM_LINADDR_OUT | PARM_EMBEDDED
        )
    }
}

#[derive(Debug, Clone)]
enum Kind {
    Connect(String),
    Disconnect(u32),
    Call {
        client: u32,
        function: u32,
        params: Vec<Param>,
    },
}

/// What completion writes back.
#[derive(Debug, Clone, Default)]
struct Outcome {
    result: i32,
    client_id: Option<u32>,
    /// (parameter index, bytes) for pointer parameters.
    buffers: Vec<(usize, Vec<u8>)>,
    /// (parameter index, value) for 32/64-bit parameters.
    values: Vec<(usize, u64)>,
}

#[derive(Debug, Clone)]
enum State {
    /// A GET_NOTIFICATION waiting for a change after `after_seq`.
    Waiting {
        patterns: String,
        after_seq: u64,
        not_found: bool,
    },
    /// Done by the service; written to the guest at `due_us`.
    Ready { outcome: Outcome, due_us: u64 },
}

#[derive(Debug, Clone)]
struct Command {
    addr: u64,
    request_type: u32,
    kind: Kind,
    state: State,
    cancelled: bool,
}

impl Command {
    fn client(&self) -> Option<u32> {
        match self.kind {
            Kind::Call { client, .. } => Some(client),
            _ => None,
        }
    }
}

/// Counters for tests.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct HgcmStats {
    /// Connects accepted.
    pub connects: u64,
    /// Disconnects accepted.
    pub disconnects: u64,
    /// Calls accepted.
    pub calls: u64,
    /// Commands completed (DONE written).
    pub completed: u64,
    /// Commands cancelled successfully.
    pub cancelled: u64,
    /// Requests refused synchronously.
    pub refused: u64,
}

/// The host's HGCM state: clients, pending commands, the property service.
#[derive(Debug)]
pub struct Hgcm {
    clients: BTreeMap<u32, ()>,
    next_client: u32,
    commands: Vec<Command>,
    /// When commands complete (test hook).
    pub completion: Completion,
    /// Hostile host: the next N completions carry this `result` instead.
    wrong_results: Option<(i32, u32)>,
    /// The guest property store.
    pub props: GuestProps,
    stats: HgcmStats,
}

impl Default for Hgcm {
    fn default() -> Self {
        Self::new(0)
    }
}

/// Everything a request or a completion needs from the machine.
pub struct HgcmEnv<'a> {
    /// Guest memory.
    pub mem: &'a GuestMemory,
    /// Protocol errors.
    pub errors: &'a mut ErrorLog,
    /// Virtual time in µs.
    pub now_us: u64,
    /// VM UTC time in ns (property timestamps).
    pub utc_ns: u64,
}

fn rd32(b: &[u8], off: usize) -> u32 {
    u32::from_le_bytes(b[off..off + 4].try_into().expect("4"))
}

fn rd64(b: &[u8], off: usize) -> u64 {
    u64::from_le_bytes(b[off..off + 8].try_into().expect("8"))
}

impl Hgcm {
    /// A fresh HGCM core with the property service started at `utc_ns`.
    pub fn new(utc_ns: u64) -> Self {
        Self {
            clients: BTreeMap::new(),
            next_client: 0x0001_0000,
            commands: Vec::new(),
            completion: Completion::Deferred { delay_us: 0 },
            wrong_results: None,
            props: GuestProps::new(utc_ns),
            stats: HgcmStats::default(),
        }
    }

    /// Counters.
    pub fn stats(&self) -> HgcmStats {
        self.stats
    }

    /// Connected client ids.
    pub fn clients(&self) -> Vec<u32> {
        self.clients.keys().copied().collect()
    }

    /// Commands the host holds (pending, waiting or cancelled-but-queued waits).
    pub fn pending(&self) -> usize {
        self.commands.len()
    }

    /// Commands the guest can still expect DONE for (not cancelled).
    pub fn outstanding(&self) -> usize {
        self.commands.iter().filter(|c| !c.cancelled).count()
    }

    /// Hostile host: the next `count` completions report `result`.
    pub fn inject_wrong_results(&mut self, result: i32, count: u32) {
        self.wrong_results = (count > 0).then_some((result, count));
    }

    /// VM reset (§7): clients and commands are dropped without touching guest
    /// memory; TRANSRESET properties go and ResetCounter counts.
    pub fn reset(&mut self, utc_ns: u64) {
        self.clients.clear();
        self.commands.clear();
        self.props.reset(utc_ns);
    }

    /// Handles request 60–65 at `addr` whose bytes are `req` (already past the
    /// generic VMMDev checks). Returns the `rc` the header got.
    pub fn request(&mut self, addr: u64, req: &mut [u8], env: &mut HgcmEnv) -> i32 {
        let request_type = rd32(req, HDR_TYPE);
        let size = req.len();
        if matches!(request_type, REQ_HGCM_CANCEL | REQ_HGCM_CANCEL2) {
            let rc = self.cancel(addr, request_type, req, env);
            req[HDR_RC..HDR_RC + 4].copy_from_slice(&rc.to_le_bytes());
            env.mem.write(addr, req);
            return rc;
        }
        // §4 step 2: rc = 2903 goes to the guest before the handler runs.
        env.mem
            .write(addr + HDR_RC as u64, &VINF_HGCM_ASYNC_EXECUTE.to_le_bytes());
        let parsed = match request_type {
            REQ_HGCM_CONNECT => self.parse_connect(req, env),
            REQ_HGCM_DISCONNECT => {
                if size < SIZE_HGCM_DISCONNECT {
                    Err(VERR_INVALID_PARAMETER)
                } else {
                    Ok(Kind::Disconnect(rd32(req, DISCONNECT_CLIENT_ID)))
                }
            }
            _ => self.parse_call(request_type, req, env),
        };
        let kind = match parsed {
            Ok(kind) => kind,
            Err(rc) => {
                // §4 step 3: the whole request back with the error, no DONE, no event.
                self.stats.refused += 1;
                // A dead client id (after a reset) or a full call table are states
                // a correct guest can meet; anything else is a malformed request.
                if rc != VERR_HGCM_INVALID_CLIENT_ID && rc != VERR_HGCM_TOO_MANY_CLIENT_CALLS {
                    env.errors.record(
                        Device::VmmDev,
                        format!("HGCM request type {request_type} at {addr:#x} refused with {rc}"),
                    );
                }
                req[HDR_RC..HDR_RC + 4].copy_from_slice(&rc.to_le_bytes());
                env.mem.write(addr, req);
                return rc;
            }
        };
        let state = self.execute(&kind, env);
        self.commands.push(Command {
            addr,
            request_type,
            kind,
            state,
            cancelled: false,
        });
        VINF_HGCM_ASYNC_EXECUTE
    }

    fn parse_connect(&mut self, req: &[u8], env: &mut HgcmEnv) -> Result<Kind, i32> {
        if req.len() < SIZE_HGCM_CONNECT {
            return Err(VERR_INVALID_PARAMETER);
        }
        let loc = rd32(req, CONNECT_LOC_TYPE);
        if loc != HGCM_LOC_LOCALHOST && loc != HGCM_LOC_LOCALHOST_EXISTING {
            env.errors.record(
                Device::VmmDev,
                format!("HGCM connect with location type {loc}"),
            );
            return Err(VERR_INVALID_PARAMETER);
        }
        let name = &req[CONNECT_NAME..CONNECT_NAME + 128];
        let Some(end) = name.iter().position(|&b| b == 0) else {
            return Err(VERR_INVALID_PARAMETER);
        };
        self.stats.connects += 1;
        Ok(Kind::Connect(
            String::from_utf8_lossy(&name[..end]).into_owned(),
        ))
    }

    fn parse_call(
        &mut self,
        request_type: u32,
        req: &[u8],
        env: &mut HgcmEnv,
    ) -> Result<Kind, i32> {
        let size = req.len();
        if size < SIZE_HGCM_CALL {
            return Err(VERR_INVALID_PARAMETER);
        }
        let parm_size = if request_type == REQ_HGCM_CALL32 {
            SIZE_PARM32
        } else {
            SIZE_PARM64
        };
        let count = rd32(req, CALL_PARMS) as usize;
        if count > (size - SIZE_HGCM_CALL) / parm_size || count > HGCM_MAX_PARMS as usize {
            return Err(VERR_INVALID_PARAMETER);
        }
        let client = rd32(req, CALL_CLIENT_ID);
        if client == 0 {
            return Err(VERR_INVALID_PARAMETER);
        }
        if !self.clients.contains_key(&client) {
            return Err(VERR_HGCM_INVALID_CLIENT_ID);
        }
        let outstanding = self
            .commands
            .iter()
            .filter(|c| c.client() == Some(client))
            .count() as u32;
        if outstanding + 1 >= MAX_CALLS_PER_CLIENT {
            return Err(VERR_HGCM_TOO_MANY_CLIENT_CALLS);
        }
        let extra = SIZE_HGCM_CALL + count * parm_size;
        let mut params = Vec::with_capacity(count);
        for i in 0..count {
            let offset = SIZE_HGCM_CALL + i * parm_size;
            let kind = rd32(req, offset + PARM_TYPE);
            let mut param = Param {
                kind,
                offset,
                value: 0,
                addr: 0,
                size: 0,
                data: Vec::new(),
            };
            match kind {
                PARM_32BIT => param.value = u64::from(rd32(req, offset + PARM_VALUE)),
                PARM_64BIT => param.value = rd64(req, offset + PARM_VALUE),
                PARM_LINADDR | PARM_LINADDR_IN | PARM_LINADDR_OUT => {
                    param.size = rd32(req, offset + PARM_VALUE);
                    param.addr = if parm_size == SIZE_PARM32 {
                        u64::from(rd32(req, offset + PARM32_ADDR))
                    } else {
                        rd64(req, offset + PARM64_ADDR)
                    };
                    if param.size > HGCM_MAX_DATA_SIZE {
                        return Err(VERR_INVALID_PARAMETER);
                    }
                    param.data = vec![0; param.size as usize];
                    if kind != PARM_LINADDR_OUT && param.size > 0 {
                        // Identity translation; an unmapped page would be read as
                        // zeros by the host without an error (§3.1).
                        if env.mem.read(param.addr, &mut param.data).is_none() {
                            env.errors.record(
                                Device::VmmDev,
                                format!(
                                    "HGCM parameter {i}: {:#x}+{} is not in guest memory (host reads zeros)",
                                    param.addr, param.size
                                ),
                            );
                            param.data.fill(0);
                        }
                    }
                }
                PARM_EMBEDDED => {
                    let word = rd32(req, offset + PARM_VALUE);
                    let flags = word & 0xFF;
                    let off_data = (word >> 8) as usize;
                    let cb = rd32(req, offset + PARM_EMBEDDED_SIZE) as usize;
                    if !(1..=3).contains(&flags) {
                        return Err(VERR_INVALID_FLAGS);
                    }
                    if off_data < extra || off_data + cb > size {
                        return Err(VERR_INVALID_PARAMETER);
                    }
                    param.size = cb as u32;
                    param.addr = off_data as u64;
                    param.data = if flags & HGCM_DIR_TO_HOST != 0 {
                        req[off_data..off_data + cb].to_vec()
                    } else {
                        vec![0; cb]
                    };
                }
                PARM_PAGELIST..=PARM_NO_BOUNCE_PAGELIST => {
                    env.errors.record(
                        Device::VmmDev,
                        format!(
                            "HGCM parameter {i}: page-list type {kind} is not modelled by the twin"
                        ),
                    );
                    return Err(VERR_NOT_SUPPORTED);
                }
                _ => return Err(VERR_INVALID_PARAMETER),
            }
            params.push(param);
        }
        self.stats.calls += 1;
        Ok(Kind::Call {
            client,
            function: rd32(req, CALL_FUNCTION),
            params,
        })
    }

    fn ready(&self, outcome: Outcome, now_us: u64) -> State {
        let due_us = match self.completion {
            Completion::Immediate => now_us,
            Completion::Deferred { delay_us } => now_us + delay_us.max(1),
            Completion::Never => u64::MAX,
        };
        State::Ready { outcome, due_us }
    }

    fn result(&self, result: i32, now_us: u64) -> State {
        self.ready(
            Outcome {
                result,
                ..Outcome::default()
            },
            now_us,
        )
    }

    /// Runs the command on the service side (the HGCM thread in VirtualBox).
    fn execute(&mut self, kind: &Kind, env: &mut HgcmEnv) -> State {
        match kind {
            Kind::Connect(name) => {
                let mut outcome = Outcome::default();
                if name == GUEST_PROP_SERVICE {
                    let id = self.next_client;
                    self.next_client = self.next_client.wrapping_add(1).max(1);
                    self.clients.insert(id, ());
                    outcome.client_id = Some(id);
                } else {
                    outcome.result = VERR_HGCM_SERVICE_NOT_FOUND;
                }
                self.ready(outcome, env.now_us)
            }
            Kind::Disconnect(client) => {
                let result = if self.clients.remove(client).is_some() {
                    // Pending waits of the client end with VERR_INTERRUPTED.
                    let interrupted = self.result(VERR_INTERRUPTED, env.now_us);
                    for c in &mut self.commands {
                        if c.client() == Some(*client) {
                            c.state = interrupted.clone();
                        }
                    }
                    VINF_SUCCESS
                } else {
                    VERR_HGCM_INVALID_CLIENT_ID
                };
                self.stats.disconnects += 1;
                self.result(result, env.now_us)
            }
            Kind::Call {
                client,
                function,
                params,
            } => self.call(*client, *function, params, env),
        }
    }

    fn call(&mut self, client: u32, function: u32, params: &[Param], env: &mut HgcmEnv) -> State {
        let now = env.now_us;
        let count = params.len();
        let string = |i: usize| -> Result<&[u8], i32> {
            let p = &params[i];
            if !p.is_pointer() || p.size == 0 {
                return Err(VERR_INVALID_PARAMETER);
            }
            Ok(&p.data)
        };
        let out_buffer = |i: usize| -> Result<u32, i32> {
            let p = &params[i];
            if !p.is_pointer() || p.size == 0 {
                return Err(VERR_INVALID_PARAMETER);
            }
            Ok(p.size)
        };
        match function {
            GUEST_PROP_FN_GET_PROP => {
                if count != 4 {
                    return self.result(VERR_INVALID_PARAMETER, now);
                }
                let name = match string(0).and_then(valid_name_param) {
                    Ok(n) => n.to_string(),
                    Err(rc) => return self.result(rc, now),
                };
                let capacity = match out_buffer(1) {
                    Ok(c) => c as usize,
                    Err(rc) => return self.result(rc, now),
                };
                let Some((reply, timestamp)) = self.props.get_reply(&name) else {
                    return self.result(VERR_NOT_FOUND, now);
                };
                let mut outcome = Outcome {
                    values: vec![(3, reply.len() as u64)],
                    ..Outcome::default()
                };
                if reply.len() <= capacity {
                    outcome.buffers.push((1, reply));
                    outcome.values.push((2, timestamp));
                } else {
                    outcome.result = VERR_BUFFER_OVERFLOW;
                }
                self.ready(outcome, now)
            }
            GUEST_PROP_FN_SET_PROP | GUEST_PROP_FN_SET_PROP_VALUE => {
                if count != 2 && count != 3 {
                    return self.result(VERR_INVALID_PARAMETER, now);
                }
                let name = match string(0).and_then(valid_name_param) {
                    Ok(n) => n.to_string(),
                    Err(rc) => return self.result(rc, now),
                };
                let value = match string(1) {
                    Ok(v) if v.len() > GUEST_PROP_MAX_VALUE_LEN as usize => {
                        return self.result(VERR_TOO_MUCH_DATA, now)
                    }
                    Ok(v) => match c_string(v) {
                        Ok(v) => v.to_string(),
                        Err(rc) => return self.result(rc, now),
                    },
                    Err(rc) => return self.result(rc, now),
                };
                let flags = if count == 3 {
                    let text = match string(2).and_then(c_string) {
                        Ok(t) => t,
                        Err(rc) => return self.result(rc, now),
                    };
                    match guest_props::parse_flags(text) {
                        Some(f) => Some(f),
                        None => return self.result(VERR_PARSE_ERROR, now),
                    }
                } else {
                    None
                };
                let rc = self
                    .props
                    .set(Writer::Guest, &name, &value, flags, env.utc_ns);
                let state = self.result(rc, now);
                self.wake_waiters(now);
                state
            }
            GUEST_PROP_FN_DEL_PROP => {
                if count != 1 {
                    return self.result(VERR_INVALID_PARAMETER, now);
                }
                let name = match string(0).and_then(valid_name_param) {
                    Ok(n) => n.to_string(),
                    Err(rc) => return self.result(rc, now),
                };
                let rc = self.props.delete(Writer::Guest, &name, env.utc_ns);
                let state = self.result(rc, now);
                self.wake_waiters(now);
                state
            }
            GUEST_PROP_FN_ENUM_PROPS => {
                if count != 3 {
                    return self.result(VERR_INVALID_PARAMETER, now);
                }
                let raw = match string(0) {
                    Ok(p) => p,
                    Err(rc) => return self.result(rc, now),
                };
                if raw.len() > GUEST_PROP_MAX_PATTERN_LEN as usize {
                    return self.result(VERR_TOO_MUCH_DATA, now);
                }
                // NUL also separates patterns here; the list ends at the first empty one.
                let text: Vec<u8> = raw
                    .split(|&b| b == 0)
                    .take_while(|s| !s.is_empty())
                    .collect::<Vec<_>>()
                    .join(&b'|');
                let Ok(patterns) = String::from_utf8(text) else {
                    return self.result(VERR_INVALID_PARAMETER, now);
                };
                let capacity = match out_buffer(1) {
                    Ok(c) => c as usize,
                    Err(rc) => return self.result(rc, now),
                };
                let entries = self.props.enum_entries(&patterns);
                let total: usize = entries.iter().map(Vec::len).sum::<usize>() + 4;
                let mut buffer = Vec::new();
                for e in &entries {
                    if buffer.len() + e.len() > capacity {
                        break;
                    }
                    buffer.extend_from_slice(e);
                }
                let mut outcome = Outcome {
                    values: vec![(2, total as u64)],
                    ..Outcome::default()
                };
                if total <= capacity {
                    buffer.extend_from_slice(&[0; 4]);
                } else {
                    outcome.result = VERR_BUFFER_OVERFLOW;
                }
                outcome.buffers.push((1, buffer));
                self.ready(outcome, now)
            }
            GUEST_PROP_FN_GET_NOTIFICATION => {
                if count != 4 || params[1].kind != PARM_64BIT {
                    return self.result(VERR_INVALID_PARAMETER, now);
                }
                let patterns = match string(0).and_then(c_string) {
                    Ok(p) => p.to_string(),
                    Err(rc) => return self.result(rc, now),
                };
                if patterns.len() + 1 > GUEST_PROP_MAX_PATTERN_LEN as usize {
                    return self.result(VERR_TOO_MUCH_DATA, now);
                }
                if let Err(rc) = out_buffer(2) {
                    return self.result(rc, now);
                }
                // An older wait of this client with the same patterns is interrupted;
                // cancelled waits are purged.
                let interrupted = self.result(VERR_INTERRUPTED, now);
                self.commands.retain(|c| {
                    !(c.cancelled
                        && c.client() == Some(client)
                        && matches!(c.state, State::Waiting { .. }))
                });
                let mut others = 0;
                for c in &mut self.commands {
                    if c.client() != Some(client) {
                        continue;
                    }
                    if let State::Waiting { patterns: p, .. } = &c.state {
                        if *p == patterns {
                            c.state = interrupted.clone();
                        } else {
                            others += 1;
                        }
                    }
                }
                if others + 1 >= GUEST_PROP_MAX_GUEST_CONCURRENT_WAITS {
                    return self.result(VERR_OUT_OF_RESOURCES, now);
                }
                let timestamp = params[1].value;
                let (after_seq, not_found) = if timestamp == 0 {
                    (self.props.last_seq(), false)
                } else if let Some(c) = self.props.change_with_timestamp(timestamp) {
                    (c.seq, false)
                } else {
                    (0, true)
                };
                let waiting = State::Waiting {
                    patterns,
                    after_seq,
                    not_found,
                };
                self.try_fulfil(&waiting, params[2].size, now)
                    .unwrap_or(waiting)
            }
            _ => self.result(VERR_NOT_IMPLEMENTED, now),
        }
    }

    /// A waiting GET_NOTIFICATION's reply, when a matching change is queued.
    fn try_fulfil(&self, state: &State, capacity: u32, now: u64) -> Option<State> {
        let State::Waiting {
            patterns,
            after_seq,
            not_found,
        } = state
        else {
            return None;
        };
        let change = self.props.change_after(*after_seq, patterns)?;
        let reply = self.props.notification_reply(change);
        let mut outcome = Outcome {
            result: if *not_found {
                VWRN_NOT_FOUND
            } else {
                VINF_SUCCESS
            },
            values: vec![(1, change.timestamp), (3, reply.len() as u64)],
            ..Outcome::default()
        };
        if reply.len() <= capacity as usize {
            outcome.buffers.push((2, reply));
        } else {
            outcome.result = VERR_BUFFER_OVERFLOW;
        }
        Some(self.ready(outcome, now))
    }

    /// After a change: every waiting GET_NOTIFICATION that now has a match is ready.
    fn wake_waiters(&mut self, now: u64) {
        for i in 0..self.commands.len() {
            let c = &self.commands[i];
            let Kind::Call { params, .. } = &c.kind else {
                continue;
            };
            let capacity = params.get(2).map_or(0, |p| p.size);
            let Some(ready) = self.try_fulfil(&c.state, capacity, now) else {
                continue;
            };
            self.commands[i].state = ready;
        }
        // Cancelled waits that got their change are simply dropped (never written).
        self.commands
            .retain(|c| !(c.cancelled && matches!(c.state, State::Ready { .. })));
    }

    fn cancel(&mut self, addr: u64, request_type: u32, req: &[u8], env: &mut HgcmEnv) -> i32 {
        let (target, size_ok) = if request_type == REQ_HGCM_CANCEL2 {
            (
                u64::from(rd32(req, CANCEL2_PHYS)),
                req.len() >= SIZE_HGCM_CANCEL2,
            )
        } else {
            (addr, req.len() >= SIZE_HGCM_CANCEL)
        };
        if !size_ok || target == 0 || target == 0xFFFF_FFFF {
            env.errors.record(
                Device::VmmDev,
                format!("HGCM cancel of {target:#x} refused"),
            );
            return VERR_INVALID_PARAMETER;
        }
        let Some(c) = self
            .commands
            .iter_mut()
            .find(|c| c.addr == target && !c.cancelled)
        else {
            return if request_type == REQ_HGCM_CANCEL2 {
                VERR_NOT_FOUND
            } else {
                VERR_INVALID_PARAMETER
            };
        };
        c.cancelled = true;
        self.stats.cancelled += 1;
        // The property service keeps a cancelled wait queued (it still counts toward
        // the client's limits); anything else is dropped at once.
        self.commands
            .retain(|c| !c.cancelled || matches!(c.state, State::Waiting { .. }));
        VINF_SUCCESS
    }

    /// Writes every command whose time has come to guest memory (§4 step 5).
    /// Returns how many were completed (the caller posts VMMDEV_EVENT_HGCM).
    pub fn complete_due(&mut self, env: &mut HgcmEnv) -> usize {
        let mut done = 0;
        let mut i = 0;
        while i < self.commands.len() {
            let due = matches!(
                self.commands[i].state,
                State::Ready { due_us, .. } if due_us <= env.now_us
            );
            if !due {
                i += 1;
                continue;
            }
            let command = self.commands.remove(i);
            if command.cancelled {
                continue;
            }
            self.write_back(&command, env);
            done += 1;
        }
        done
    }

    fn write_back(&mut self, command: &Command, env: &mut HgcmEnv) {
        let State::Ready { outcome, .. } = &command.state else {
            return;
        };
        let addr = command.addr;
        let mut result = outcome.result;
        if let Some((rc, left)) = self.wrong_results.as_mut() {
            result = *rc;
            *left -= 1;
            if *left == 0 {
                self.wrong_results = None;
            }
        }
        let mut type_now = [0u8; 4];
        env.mem.read(addr + HDR_TYPE as u64, &mut type_now);
        let type_now = u32::from_le_bytes(type_now);
        if type_now != command.request_type && type_now != REQ_HGCM_CANCEL {
            env.errors.record(
                Device::VmmDev,
                format!(
                    "HGCM completion: request at {addr:#x} changed type {} -> {type_now} before DONE",
                    command.request_type
                ),
            );
            result = VERR_INVALID_PARAMETER;
        } else {
            if let Some(id) = outcome.client_id {
                env.mem
                    .write(addr + CONNECT_CLIENT_ID as u64, &id.to_le_bytes());
            }
            if let Kind::Call { params, .. } = &command.kind {
                self.write_params(addr, params, outcome, env);
            }
        }
        env.mem
            .write(addr + HGCM_RESULT as u64, &result.to_le_bytes());
        let mut flags = [0u8; 4];
        env.mem.read(addr + HGCM_FLAGS as u64, &mut flags);
        let flags = u32::from_le_bytes(flags) | HGCM_REQ_DONE;
        env.mem
            .write(addr + HGCM_FLAGS as u64, &flags.to_le_bytes());
        self.stats.completed += 1;
    }

    fn write_params(&self, addr: u64, params: &[Param], outcome: &Outcome, env: &mut HgcmEnv) {
        for (i, p) in params.iter().enumerate() {
            let at = addr + p.offset as u64 + PARM_VALUE as u64;
            match p.kind {
                PARM_32BIT => {
                    // Written back always, even if unchanged.
                    let v = outcome
                        .values
                        .iter()
                        .find(|(j, _)| *j == i)
                        .map_or(p.value, |(_, v)| *v);
                    env.mem.write(at, &(v as u32).to_le_bytes());
                }
                PARM_64BIT => {
                    let v = outcome
                        .values
                        .iter()
                        .find(|(j, _)| *j == i)
                        .map_or(p.value, |(_, v)| *v);
                    env.mem.write(at, &v.to_le_bytes());
                }
                PARM_LINADDR | PARM_LINADDR_OUT => {
                    if let Some((_, data)) = outcome.buffers.iter().find(|(j, _)| *j == i) {
                        let n = data.len().min(p.size as usize);
                        if n > 0 && env.mem.write(p.addr, &data[..n]).is_none() {
                            env.errors.record(
                                Device::VmmDev,
                                format!(
                                    "HGCM parameter {i}: output to {:#x} dropped (unmapped)",
                                    p.addr
                                ),
                            );
                        }
                    }
                }
                PARM_EMBEDDED => {
                    if let Some((_, data)) = outcome.buffers.iter().find(|(j, _)| *j == i) {
                        let n = data.len().min(p.size as usize);
                        env.mem.write(addr + p.addr, &data[..n]);
                        env.mem.write(
                            addr + p.offset as u64 + PARM_EMBEDDED_SIZE as u64,
                            &(data.len() as u32).to_le_bytes(),
                        );
                    }
                }
                _ => {}
            }
        }
    }

    // ---- host side (VBoxManage guestproperty) ----

    /// `guestproperty set NAME VALUE [--flags F]`; wakes matching waits.
    pub fn host_set(&mut self, name: &str, value: &str, flags: Option<&str>, env: &HostEnv) -> i32 {
        let mut param = name.as_bytes().to_vec();
        param.push(0);
        if valid_name_param(&param).is_err() {
            return VERR_INVALID_PARAMETER;
        }
        let flags = match flags.map(guest_props::parse_flags) {
            Some(None) => return VERR_PARSE_ERROR,
            Some(Some(f)) => Some(f),
            None => None,
        };
        let rc = self.props.set(Writer::Host, name, value, flags, env.utc_ns);
        self.wake_waiters(env.now_us);
        rc
    }

    /// `guestproperty unset NAME`; wakes matching waits.
    pub fn host_delete(&mut self, name: &str, env: &HostEnv) -> i32 {
        let rc = self.props.delete(Writer::Host, name, env.utc_ns);
        self.wake_waiters(env.now_us);
        rc
    }
}

/// Time for host-side operations.
#[derive(Debug, Clone, Copy)]
pub struct HostEnv {
    /// Virtual time in µs.
    pub now_us: u64,
    /// VM UTC time in ns.
    pub utc_ns: u64,
}
