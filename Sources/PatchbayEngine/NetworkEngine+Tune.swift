import PatchbayModel

extension NetworkEngine {
    /// `patchbay tune [--check|--apply|--undo]`: reads what the advice needs (the bridges and
    /// uplinks of the active networks, their TAP ports), applies or undoes when asked, and
    /// answers with the checks as they are afterwards. Only sysctls are ever written; the rest
    /// is advice for the administrator (ethtool, the domain XML, the kernel's configuration).
    public func tune(_ action: TuneAction, using tuner: any HostTuning) async throws(PatchbayError) -> TuneReport {
        var devices: [(name: String, role: TuneReadings.DeviceReading.Role, network: String)] = []
        var taps: [TuneReadings.TapQueues] = []
        for record in try await store.networks() {
            guard let live = record.live else { continue }
            switch PortPlacement(live) {
            case .ownedBridge(let bridge): devices.append((bridge, .ownedBridge, record.name))
            case .hostBridge(let bridge): devices.append((bridge, .hostBridge, record.name))
            default: break
            }
            for interface in live.forward.interfaces where !devices.contains(where: { $0.name == interface.dev }) {
                devices.append((interface.dev, .uplink, record.name))
            }
            for port in try await store.ports(network: record.name) where port.type == .tap && port.phase == nil {
                taps.append(TuneReadings.TapQueues(device: port.device, owner: port.ownerName, queues: port.queues))
            }
        }
        var changes: [TuneChange] = []
        switch action {
        case .check:
            break
        case .apply:
            let advised = TuneAdvisor.checks(try await tuner.read(devices: devices, taps: taps))
                .filter { $0.status == .advice && $0.applicable }
                .compactMap { check in check.key.map { TuneChange(key: $0, previous: check.current, value: check.recommended) } }
            changes = try await tuner.apply(advised)
            if !changes.isEmpty { logger.notice("tuning applied", metadata: ["changes": "\(changes.map { "\($0.key)=\($0.value)" })"]) }
        case .undo:
            changes = try await tuner.undo()
            if !changes.isEmpty { logger.notice("tuning undone", metadata: ["changes": "\(changes.map { "\($0.key)=\($0.value)" })"]) }
        }
        let checks = TuneAdvisor.checks(try await tuner.read(devices: devices, taps: taps))
        return TuneReport(action: action, checks: checks, changes: changes, undoRecord: tuner.undoRecordPath)
    }
}
