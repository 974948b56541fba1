import PatchbayModel

/// What a port becomes in Open vSwitch: the columns libvirt's virNetDevOpenvswitchAddPort writes
/// (src/util/virnetdevopenvswitch.c), computed from the stored port alone so the same port always
/// gives the same row, and a row that differs from it is one to repair.
enum OVSPortPlan {
    /// The `external_ids` key that carries Patchbay's ownership tag, on the Interface rows of its
    /// ports and the Bridge rows of the bridges it made.
    static let tagKey = "patchbay-tag"

    /// libvirt's virNetDevOpenvswitchConstructVlans: a native tag sets `vlan_mode`
    /// native-tagged or native-untagged and `tag`; a trunk lists every tag in `trunks`; one tag
    /// without trunk is an access port. No `<vlan>` is OVS's default: a trunk of every VLAN.
    /// Patchbay writes `vlan_mode` for plain access ports and trunks too (OVS infers the same
    /// mode), so the row states what the XML says.
    static func vlan(_ vlan: VLANDefinition?) -> OVSVLAN {
        guard let vlan, !vlan.tags.isEmpty else { return .none }
        if let native = vlan.tags.first(where: { $0.nativeMode != nil }) {
            return OVSVLAN(tag: native.id, trunks: vlan.tags.map(\.id), mode: native.nativeMode == .tagged ? .nativeTagged : .nativeUntagged)
        }
        if vlan.trunk || vlan.tags.count > 1 {
            return OVSVLAN(tag: nil, trunks: vlan.tags.map(\.id), mode: .trunk)
        }
        return OVSVLAN(tag: vlan.tags[0].id, trunks: [], mode: .access)
    }

    /// libvirt's virNetDevOpenvswitchInterfaceSetQos, with the units of `<bandwidth>` (kilobytes
    /// per second, bursts in kilobytes):
    /// - `<outbound>` (what the guest sends, which OVS receives) becomes Interface ingress
    ///   policing: `ingress_policing_rate` in kbit/s = average × 8, `ingress_policing_burst` in
    ///   kbit = burst × 8 (OVS picks its default burst when it is 0);
    /// - `<inbound>` (what the guest receives) becomes a QoS row on the port. The kernel datapath
    ///   shapes with `linux-htb` (`max-rate` = peak or average, `min-rate` = average, `burst`, in
    ///   bits, as libvirt writes them); the userspace datapath has no HTB, so it polices with
    ///   `egress-policer` (`cir` in bytes per second, `cbs` in bytes).
    static func bandwidth(_ bandwidth: BandwidthDefinition?, datapath: String) -> (rate: Int, burst: Int, qos: OVSQoS?) {
        var rate = 0, burst = 0
        if let outbound = bandwidth?.outbound, let average = outbound.average, average > 0 {
            rate = Int(clamping: average) &* 8
            burst = Int(clamping: outbound.burst ?? 0) &* 8
        }
        var qos: OVSQoS?
        if let inbound = bandwidth?.inbound, let average = inbound.average, average > 0 {
            if datapath == "netdev" {
                let cir = Int(clamping: average) &* 1000
                let cbs = inbound.burst.map { Int(clamping: $0) &* 1024 } ?? cir
                qos = OVSQoS(type: "egress-policer", otherConfig: ["cir": String(cir), "cbs": String(cbs)])
            } else {
                var config = ["min-rate": String(Int(clamping: average) &* 8000),
                              "max-rate": String(Int(clamping: inbound.peak ?? average) &* 8000)]
                if let b = inbound.burst { config["burst"] = String(Int(clamping: b) &* 8192) }
                qos = OVSQoS(type: "linux-htb", otherConfig: config)
            }
        }
        return (rate, burst, qos)
    }

    /// Interface `external_ids` as libvirt writes them (`attached-mac`, `iface-id` from the
    /// port's interfaceid, `iface-status=active`, `vm-id` with the owner's UUID), plus `vm-uuid`
    /// (the key OpenStack's os-vif and OVN tooling read for the same UUID), the port profile, and
    /// Patchbay's tag.
    static func externalIDs(_ port: NetworkPort) -> [String: String] {
        var ids: [String: String] = ["attached-mac": port.mac.description, "iface-status": "active", tagKey: port.tag.description]
        if let interfaceID = port.virtualPort?.interfaceID { ids["iface-id"] = interfaceID.description }
        if let owner = port.ownerUUID {
            ids["vm-id"] = owner.description
            ids["vm-uuid"] = owner.description
        }
        if let profile = port.virtualPort?.profileID { ids["port-profile"] = profile }
        return ids
    }

    /// The whole row for a port whose device (TAP, veth host end) has `name`; vhost-user ports
    /// name the socket QEMU serves instead.
    static func spec(_ port: NetworkPort, datapath: String) -> OVSPortSpec {
        let (rate, burst, qos) = bandwidth(port.bandwidth, datapath: datapath)
        var spec = OVSPortSpec(name: port.device, externalIDs: externalIDs(port), vlan: vlan(port.vlan),
                               ingressPolicingRate: rate, ingressPolicingBurst: burst, qos: qos)
        if port.type == .vhostuser, let path = port.socketPath {
            spec.interfaceType = "dpdkvhostuserclient"
            spec.options = ["vhost-server-path": path]
        }
        return spec
    }

    /// Whether OVS's row already is what `spec` asks for (so a repair writes nothing, and the
    /// monitor that called it is not woken by its own write). `vlan_mode` empty in OVS is what
    /// OVS infers: access with a tag, trunk without.
    static func matches(_ state: OVSPortState, _ spec: OVSPortSpec) -> Bool {
        func mode(_ vlan: OVSVLAN) -> OVSVLAN.Mode { vlan.mode ?? (vlan.tag == nil ? .trunk : .access) }
        return state.name == spec.name && state.interfaceType == spec.interfaceType && state.options == spec.options
            && spec.externalIDs.allSatisfy { state.externalIDs[$0.key] == $0.value }
            && state.vlan.tag == spec.vlan.tag && state.vlan.trunks.sorted() == spec.vlan.trunks.sorted()
            && mode(state.vlan) == mode(spec.vlan)
            && state.ingressPolicingRate == spec.ingressPolicingRate && state.ingressPolicingBurst == spec.ingressPolicingBurst
            && state.qos == spec.qos
    }
}
