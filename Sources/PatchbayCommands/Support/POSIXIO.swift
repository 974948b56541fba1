import Glibc
import PatchbayModel

/// The few things the CLI needs that Foundation proper (not FoundationEssentials) would give:
/// standard input and error, a child process, local time. Done with the C library so that the
/// CLI does not load Foundation and ICU at all (a few milliseconds of every call).
enum POSIXIO {
    /// Everything on standard input, to its end.
    static func readStandardInput() -> [UInt8] {
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65_536)
        while true {
            let n = chunk.withUnsafeMutableBytes { read(0, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { return bytes }
            bytes.append(contentsOf: chunk[..<n])
        }
    }

    static func writeStandardError(_ text: String) { write(text, to: 2) }

    /// A line on standard output at once, unbuffered: a follower of a stream (`event --loop`)
    /// piped into another program must not sit on what it printed.
    static func writeLine(_ text: String) { write(text + "\n", to: 1) }

    private static func write(_ text: String, to fd: Int32) {
        var bytes = Array(text.utf8)[...]
        while !bytes.isEmpty {
            let n = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { return }
            bytes = bytes.dropFirst(n)
        }
    }

    /// Runs `/bin/sh -c script` with `arguments` as $0, $1, ... and waits; returns its exit
    /// status (128 + the signal when a signal ended it, as a shell says).
    static func runShell(_ script: String, arguments: [String]) throws(PatchbayError) -> Int32 {
        let argv = ["/bin/sh", "-c", script] + arguments
        var pointers = argv.map { strdup($0) } + [nil]
        defer { for pointer in pointers { free(pointer) } }
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, "/bin/sh", nil, nil, &pointers, environ)
        guard rc == 0 else { throw PatchbayError(.internal, "cannot run /bin/sh", cause: String(cString: strerror(rc))) }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 {
            guard errno == EINTR else { throw PatchbayError(.internal, "cannot wait for /bin/sh", cause: String(cString: strerror(errno))) }
        }
        let signal = status & 0x7F
        return signal == 0 ? (status >> 8) & 0xFF : 128 + signal
    }

    /// `seconds` since the epoch in local time as "YYYY-MM-DD HH:MM:SS", as virsh prints lease
    /// expiry times.
    static func localTime(_ seconds: Int64) -> String {
        var time = time_t(seconds)
        var parts = tm()
        guard localtime_r(&time, &parts) != nil else { return "\(seconds)" }
        var buffer = [CChar](repeating: 0, count: 32)
        let count = strftime(&buffer, buffer.count, "%Y-%m-%d %H:%M:%S", &parts)
        return String(decoding: buffer[..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
