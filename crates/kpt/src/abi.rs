//! The Go js/wasm ABI, as much of it as kpt's node glue needs (kpt's `jsglue.go`, from Go's `wasm_exec.js`).
//!
//! Every import of module `go` takes one i32, `sp`, the address of a frame of 8-byte slots: slot 0 would be Go's
//! return address, the arguments follow from slot 1, and the results after them, at offsets fixed per import.
//! Here `sp` is always [`FRAME`], and `getsp` returns it too, which the glue asks for again after a call that could
//! have run Go code and moved Go's stack. Values cross as 8 bytes: a float64, or a NaN whose low word is an id in
//! the glue's table of JavaScript values.
//!
//! The glue caches a DataView of the memory; after `memory.grow` that view is detached and every access through it
//! throws, so [`call`] calls `runtime.resetMemoryDataView` first whenever the memory has grown since the last call.

use std::cell::UnsafeCell;
use std::sync::atomic::{AtomicUsize, Ordering};

use crate::{reply, Entry, ENTRY_POINTS};

/// The imports this module uses; the glue of kpt 1.0.0-beta.56 offers them under `go` only, newer glue under both
/// `gojs` and `go`.
mod go {
    #[link(wasm_import_module = "go")]
    extern "C" {
        #[link_name = "runtime.wasmWrite"]
        pub fn wasm_write(sp: i32);
        #[link_name = "runtime.resetMemoryDataView"]
        pub fn reset_memory_data_view(sp: i32);
        #[link_name = "syscall/js.finalizeRef"]
        pub fn finalize_ref(sp: i32);
        #[link_name = "syscall/js.stringVal"]
        pub fn string_val(sp: i32);
        #[link_name = "syscall/js.valueGet"]
        pub fn value_get(sp: i32);
        #[link_name = "syscall/js.valueSet"]
        pub fn value_set(sp: i32);
        #[link_name = "syscall/js.valueIndex"]
        pub fn value_index(sp: i32);
        #[link_name = "syscall/js.valueCall"]
        pub fn value_call(sp: i32);
        #[link_name = "syscall/js.valuePrepareString"]
        pub fn value_prepare_string(sp: i32);
        #[link_name = "syscall/js.valueLoadString"]
        pub fn value_load_string(sp: i32);
    }
}

/// Slots 0..=8: the largest frame used, `valueCall`'s, has its success flag at sp+64.
const SLOTS: usize = 9;

struct Frame(UnsafeCell<[u64; SLOTS]>);

// SAFETY: wasm32-unknown-unknown runs one thread, so the frame is never accessed concurrently.
unsafe impl Sync for Frame {}

static FRAME: Frame = Frame(UnsafeCell::new([0; SLOTS]));

fn sp() -> i32 {
    // Linear memory addresses are 32 bits; the glue reads `sp` back as unsigned (`sp >>>= 0`).
    FRAME.0.get() as usize as i32
}

fn put(slot: usize, bits: u64) {
    assert!(slot < SLOTS);
    // SAFETY: `slot` is in bounds, the one thread holds no reference into the frame (only this raw pointer), and
    // volatile because the glue reads the frame where the compiler cannot see it.
    unsafe { FRAME.0.get().cast::<u64>().add(slot).write_volatile(bits) }
}

fn get(slot: usize) -> u64 {
    assert!(slot < SLOTS);
    // SAFETY: as in `put`; volatile because the glue wrote the slot where the compiler cannot see it.
    unsafe { FRAME.0.get().cast::<u64>().add(slot).read_volatile() }
}

/// An address for the frame (a pointer into linear memory, as the int64 the glue reads).
fn address<T>(pointer: *const T) -> u64 {
    pointer as usize as u64
}

/// Calls one import on the frame, after refreshing the glue's view of the memory if it has grown.
fn call(import: unsafe extern "C" fn(i32)) {
    static PAGES_SEEN: AtomicUsize = AtomicUsize::new(0);
    let pages = core::arch::wasm32::memory_size(0);
    if PAGES_SEEN.swap(pages, Ordering::Relaxed) != pages {
        // SAFETY: resetMemoryDataView reads nothing from the frame and writes nothing to memory.
        unsafe { go::reset_memory_data_view(sp()) }
    }
    // SAFETY: each import reads its arguments from the frame and writes its results into it; the addresses the
    // caller put in the frame point into buffers it keeps alive across the call, and the glue writes only within
    // the lengths given with them.
    unsafe { import(sp()) }
}

/// One JavaScript value as the glue encodes it.
#[derive(Clone, Copy, PartialEq, Eq)]
#[repr(transparent)]
struct Value(u64);

const NAN_HEAD: u64 = 0x7FF8_0000;
const TYPE_OBJECT: u64 = 1;

impl Value {
    /// All-zero bits: `undefined` (the number 0 goes by id 1, which this module never needs).
    const UNDEFINED: Value = Value(0);
    /// The ids the glue reserves: 2 `null`, 5 `globalThis`, 6 the `Go` instance running this module.
    const NULL: Value = Value(NAN_HEAD << 32 | 2);
    const GLOBAL_THIS: Value = Value((NAN_HEAD | TYPE_OBJECT) << 32 | 5);
    const GO: Value = Value((NAN_HEAD | TYPE_OBJECT) << 32 | 6);

    /// A non-zero number (zero would read back as `undefined`).
    fn number(n: f64) -> Value {
        assert!(n != 0.0 && !n.is_nan());
        Value(n.to_bits())
    }

    fn as_number(self) -> Option<f64> {
        let n = f64::from_bits(self.0);
        (self != Value::UNDEFINED && !n.is_nan()).then_some(n)
    }

    fn is_reference(self) -> bool {
        f64::from_bits(self.0).is_nan()
    }

    fn is_object(self) -> bool {
        self.0 >> 32 == NAN_HEAD | TYPE_OBJECT
    }
}

/// A value the glue handed out: it counts the reference until `finalizeRef`, so the value is released on drop.
struct Owned(Value);

impl Drop for Owned {
    fn drop(&mut self) {
        if self.0.is_reference() {
            put(1, self.0 .0);
            call(go::finalize_ref);
        }
    }
}

fn get_property(object: Value, name: &str) -> Owned {
    put(1, object.0);
    put(2, address(name.as_ptr()));
    put(3, name.len() as u64);
    call(go::value_get);
    Owned(Value(get(4)))
}

fn set_property(object: Value, name: &str, value: Value) {
    put(1, object.0);
    put(2, address(name.as_ptr()));
    put(3, name.len() as u64);
    put(4, value.0);
    call(go::value_set);
}

fn index(object: Value, i: u64) -> Owned {
    put(1, object.0);
    put(2, i);
    call(go::value_index);
    Owned(Value(get(3)))
}

/// `object.name(...args)`; `Err` holds what it threw.
fn call_method(object: Value, name: &str, args: &[Value]) -> Result<Owned, Owned> {
    put(1, object.0);
    put(2, address(name.as_ptr()));
    put(3, name.len() as u64);
    put(4, address(args.as_ptr()));
    put(5, args.len() as u64);
    put(6, args.len() as u64);
    put(8, 0);
    call(go::value_call);
    let value = Owned(Value(get(7)));
    if get(8) & 0xFF == 1 {
        Ok(value)
    } else {
        Err(value)
    }
}

fn string(text: &str) -> Owned {
    put(1, address(text.as_ptr()));
    put(2, text.len() as u64);
    call(go::string_val);
    Owned(Value(get(3)))
}

/// `String(value)` as UTF-8 bytes.
fn load_string(value: Value) -> Vec<u8> {
    put(1, value.0);
    call(go::value_prepare_string);
    let encoded = Owned(Value(get(2)));
    let len = get(3) as usize;
    // Several MB for a large package: this is where the memory grows, and `call` then refreshes the glue's view.
    let mut bytes = vec![0u8; len];
    put(1, encoded.0 .0);
    put(2, address(bytes.as_mut_ptr()));
    put(3, len as u64);
    put(4, len as u64);
    call(go::value_load_string);
    bytes
}

/// To node's real stderr: the glue's `wasmWrite` calls `fs.writeSync(fd, ...)`.
fn write_stderr(text: &[u8]) {
    // The length crosses as an int32; pieces keep each write small for a pipe.
    for piece in text.chunks(1 << 16) {
        put(1, 2);
        put(2, address(piece.as_ptr()));
        put(3, piece.len() as u64);
        call(go::wasm_write);
    }
}

/// `process.exitCode = code`: node's exit status is the only failure kpt sees from this runtime.
fn set_exit_code(code: i32) {
    let process = get_property(Value::GLOBAL_THIS, "process");
    if process.0.is_object() {
        set_property(process.0, "exitCode", Value::number(f64::from(code)));
    }
}

/// Called once by the glue before anything else: registers the entry points as JavaScript globals.
#[no_mangle]
pub extern "C" fn run(_argc: i32, _argv: i32) {
    // panic = "abort" traps without a word; the hook says why, on the stderr kpt shows with a failure.
    std::panic::set_hook(Box::new(|info| {
        write_stderr(format!("sidecar-injector: internal error: {info}\n").as_bytes())
    }));
    for (name, entry) in ENTRY_POINTS {
        // The glue's wrapper stores its arguments in `_pendingEvent`, calls `resume`, and returns `result`.
        let function = call_method(Value::GO, "_makeFuncWrapper", &[Value::number(f64::from(entry as u8))])
            .unwrap_or_else(|_| panic!("the host's glue has no _makeFuncWrapper: not kpt's Go js/wasm glue"));
        set_property(Value::GLOBAL_THIS, name, function.0);
    }
}

/// Called by the glue for each call of a registered global, with the call in `_pendingEvent`.
#[no_mangle]
pub extern "C" fn resume() {
    let event = get_property(Value::GO, "_pendingEvent");
    set_property(Value::GO, "_pendingEvent", Value::NULL);
    let Some(entry) = get_property(event.0, "id").0.as_number().and_then(Entry::from_id) else {
        // No call of ours: leave `result` undefined.
        return;
    };
    let input = {
        let args = get_property(event.0, "args");
        let first = index(args.0, 0);
        load_string(first.0)
    };
    let reply = reply(entry, &input);
    drop(input);
    write_stderr(reply.stderr.as_bytes());
    if reply.exit_code != 0 {
        set_exit_code(reply.exit_code);
    }
    let result = string(&reply.result);
    set_property(event.0, "result", result.0);
}

#[no_mangle]
pub extern "C" fn getsp() -> i32 {
    sp()
}
