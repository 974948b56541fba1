import CNFTables
import Foundation
import Synchronization

/// One libnftables context: runs nft command text as a single transaction (everything in a
/// buffer commits atomically, or nothing does) and lists tables. Calls block for the netlink
/// round trip and are serialised; `NFTablesFirewall` makes them from a thread of its own.
public final class NFTablesContext: Sendable {
    private struct Handle: @unchecked Sendable { let pointer: OpaquePointer }
    private let handle: Mutex<Handle>

    public init() throws(NFTablesError) {
        guard let context = nft_ctx_new(UInt32(NFT_CTX_DEFAULT)) else {
            throw NFTablesError(command: "nft_ctx_new", message: "libnftables could not create a context")
        }
        nft_ctx_buffer_output(context)
        nft_ctx_buffer_error(context)
        handle = Mutex(Handle(pointer: context))
    }

    deinit {
        handle.withLock { nft_ctx_free($0.pointer) }
    }

    /// Runs `commands` (one per line) as one transaction and returns nft's output.
    @discardableResult
    public func run(_ commands: [String]) throws(NFTablesError) -> String {
        try run(commands.joined(separator: "\n"))
    }

    /// With `echoHandle`, nft's output repeats each command with the handle the kernel gave it
    /// (`nft --echo --handle`), which is how a rule added to someone else's chain is found again.
    @discardableResult
    public func run(_ text: String, echoHandle: Bool = false) throws(NFTablesError) -> String {
        let result = handle.withLock { handle -> (Int32, String, String) in
            if echoHandle { nft_ctx_output_set_flags(handle.pointer, UInt32(NFT_CTX_OUTPUT_ECHO | NFT_CTX_OUTPUT_HANDLE)) }
            defer { if echoHandle { nft_ctx_output_set_flags(handle.pointer, 0) } }
            let status = nft_run_cmd_from_buffer(handle.pointer, text)
            let output = nft_ctx_get_output_buffer(handle.pointer).map { String(cString: $0) } ?? ""
            let error = nft_ctx_get_error_buffer(handle.pointer).map { String(cString: $0) } ?? ""
            return (status, output, error)
        }
        guard result.0 == 0 else {
            throw NFTablesError(command: text, message: result.2.trimmingCharacters(in: .whitespacesAndNewlines))
        }
        return result.1
    }

    /// `nft list table FAMILY NAME`, or nil when the table does not exist.
    public func listTable(_ table: String) -> String? {
        try? run("list table \(table)")
    }

    /// `nft -j list ...`: a JSON listing, for reading other software's tables.
    public func listJSON(_ what: String) throws(NFTablesError) -> String {
        handle.withLock { nft_ctx_output_set_flags($0.pointer, UInt32(NFT_CTX_OUTPUT_JSON)) }
        defer { handle.withLock { nft_ctx_output_set_flags($0.pointer, 0) } }
        return try run("list \(what)")
    }

    /// `nft list tables`: every table as "family name".
    public func tables() throws(NFTablesError) -> [String] {
        try run("list tables").split(separator: "\n").compactMap { line in
            let words = line.split(separator: " ")
            return words.count == 3 && words[0] == "table" ? "\(words[1]) \(words[2])" : nil
        }
    }
}

/// nft refused a transaction: its own error text (which quotes the offending command).
public struct NFTablesError: Error, Sendable, CustomStringConvertible {
    public var command: String
    public var message: String
    public var description: String { message.isEmpty ? "nft failed" : message }
}
