import PatchbayModel

/// `patchbay tune`'s kernel side; the daemon gives `KernelTuning` (PatchbayKernel: /proc/sys of
/// the daemon's own network namespace, /dev/vhost-net, SIOCETHTOOL, and the undo record in the
/// state directory). The advice itself is `TuneAdvisor`'s (pure).
public protocol HostTuning: Sendable {
    /// Where the values to undo are kept.
    var undoRecordPath: String { get }
    /// Everything `TuneAdvisor` judges: the sysctls it knows, vhost-net, and `devices` read
    /// with ethtool (each with its role); `taps` are passed through.
    func read(devices: [(name: String, role: TuneReadings.DeviceReading.Role, network: String)],
              taps: [TuneReadings.TapQueues]) async throws(PatchbayError) -> TuneReadings
    /// Writes each change's `value`, first recording its `previous` value (unless one is
    /// recorded already: the value before the first apply is the one to go back to).
    func apply(_ changes: [TuneChange]) async throws(PatchbayError) -> [TuneChange]
    /// Writes back every recorded value and removes the record; what was written.
    func undo() async throws(PatchbayError) -> [TuneChange]
}
