import Glibc
import PatchbayModel
import Synchronization

/// The terminal of a full-screen view (`top`): its size, raw keyboard input, the alternate
/// screen, and putting all of it back however the view ends: a quit key, a signal, an error.
enum TerminalScreen {
    /// The terminal's settings before raw mode, for the signal handlers, which can capture
    /// nothing (a C function pointer): written once, before any handler or thread can read it.
    nonisolated(unsafe) private static var saved = termios()
    /// Whether the screen is ours: read by the key thread, the drawing loop and signal handlers.
    private static let active = Atomic(false)

    /// Columns and rows of the terminal on `fd` (TIOCGWINSZ); nil when it is no terminal.
    static func size(_ fd: Int32 = 1) -> (columns: Int, rows: Int)? {
        var size = winsize()
        guard ioctl(fd, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 else { return nil }
        return (Int(size.ws_col), Int(size.ws_row))
    }

    static var isInteractive: Bool { isatty(0) == 1 && isatty(1) == 1 }

    /// Keys one at a time and unechoed, Ctrl-C a key like any other (ISIG off, so the view
    /// itself restores the terminal); output processing stays on, so "\n" still returns the
    /// carriage. Switches to the alternate screen and hides the cursor.
    static func enter() throws(PatchbayError) {
        var settings = termios()
        guard tcgetattr(0, &settings) == 0 else {
            throw PatchbayError(.internal, "cannot read the terminal's settings", cause: String(cString: strerror(errno)))
        }
        saved = settings
        settings.c_lflag &= ~tcflag_t(ICANON | ECHO | ISIG | IEXTEN)
        settings.c_iflag &= ~tcflag_t(IXON | ICRNL)
        withUnsafeMutableBytes(of: &settings.c_cc) { cc in
            cc[Int(VMIN)] = 1
            cc[Int(VTIME)] = 0
        }
        guard tcsetattr(0, TCSAFLUSH, &settings) == 0 else {
            throw PatchbayError(.internal, "cannot put the terminal in raw mode", cause: String(cString: strerror(errno)))
        }
        active.store(true, ordering: .sequentiallyConsistent)
        for signal in [SIGTERM, SIGHUP, SIGQUIT] {
            _ = Glibc.signal(signal) { number in
                TerminalScreen.leave()
                _exit(128 + number)
            }
        }
        write("\u{1B}[?1049h\u{1B}[?25l")
    }

    /// Back to the settings `enter` found, the normal screen and a visible cursor. Safe in a
    /// signal handler: no allocation, only write(2) of constant bytes and tcsetattr.
    static func leave() {
        guard active.exchange(false, ordering: .sequentiallyConsistent) else { return }
        let restore: StaticString = "\u{1B}[?25h\u{1B}[?1049l"
        _ = Glibc.write(1, restore.utf8Start, restore.utf8CodeUnitCount)
        _ = tcsetattr(0, TCSAFLUSH, &saved)
    }

    /// Clears the screen and writes `lines` from its top-left corner, in one write so the
    /// terminal never shows half a frame.
    static func draw(_ lines: [String]) {
        write("\u{1B}[H\u{1B}[2J" + lines.joined(separator: "\n"))
    }

    static func write(_ text: String) {
        var bytes = Array(text.utf8)[...]
        while !bytes.isEmpty {
            let n = bytes.withUnsafeBytes { Glibc.write(1, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { return }
            bytes = bytes.dropFirst(n)
        }
    }

    /// Runs `body` on a detached thread of its own: a blocking reader (the keyboard, a second
    /// stream) must not hold one of the few threads of Swift's concurrency pool.
    static func detach(_ body: @escaping @Sendable () -> Void) {
        final class Box: Sendable {
            let body: @Sendable () -> Void
            init(_ body: @escaping @Sendable () -> Void) { self.body = body }
        }
        var thread = pthread_t()
        let context = Unmanaged.passRetained(Box(body)).toOpaque()
        let created = pthread_create(&thread, nil, { context in
            guard let context else { return nil }
            let box = Unmanaged<Box>.fromOpaque(context).takeRetainedValue()
            box.body()
            return nil
        }, context)
        if created == 0 { pthread_detach(thread) } else { Unmanaged<Box>.fromOpaque(context).release() }
    }

    /// Reads keys on a thread of its own (the main thread blocks in the stream's reads) and
    /// ends the process on 'q' or Ctrl-C, after putting the terminal back: the stream needs no
    /// wake-up, and its connection's close tells the daemon. Other keys go to `key`.
    static func readKeys(_ key: @escaping @Sendable (UInt8) -> Void) {
        detach {
            var byte: UInt8 = 0
            while true {
                let n = read(0, &byte, 1)
                if n < 0 && errno == EINTR { continue }
                // End of input (the terminal went) ends the view as well.
                if n <= 0 || byte == UInt8(ascii: "q") || byte == UInt8(ascii: "Q") || byte == 3 || byte == 4 {
                    TerminalScreen.leave()
                    exit(0)
                }
                key(byte)
            }
        }
    }
}
