# Patchbay: the two commands of the README are `make demo` and `make test`.
SWIFT ?= swift
BIN_DIR = $(shell $(SWIFT) build --show-bin-path)

# Debian packages the build, the tests and the demo need. Installed only when missing.
APT_PACKAGES = iproute2 libsqlite3-dev strace udhcpc busybox-static isc-dhcp-client bind9-dnsutils dnsmasq-base kea-admin dnsperf iperf3 nftables libnftables-dev curl tcpdump python3 qemu-system-x86 cpio util-linux iputils-ping openvswitch-switch openvswitch-switch-dpdk librte-mempool-ring23 prometheus libpcap-dev tshark tmux
# PyPI, for the tests: scapy crafts forged DHCP frames, schemathesis holds the API to openapi.json.
PIP_PACKAGES = scapy==2.8.0 schemathesis==4.32.5

.PHONY: setup build test demo clean

setup:
	@missing=""; for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
		echo "installing:$$missing"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; \
	fi
	@python3 -c "import scapy, schemathesis" 2>/dev/null || python3 -m pip install --quiet --root-user-action=ignore $(PIP_PACKAGES)

build: setup
	$(SWIFT) build

# The whole suite, root-only namespace tests included (they need root: run as root).
test: setup
	scripts/check-layers.sh
	$(SWIFT) build --build-tests
	PATCHBAY_BIN_DIR=$(BIN_DIR) $(SWIFT) test --skip-build

demo: build
	PATCHBAY_BIN_DIR=$(BIN_DIR) scripts/demo.sh

clean:
	rm -rf .build

# Fuzzing (libFuzzer). FUZZ_SECONDS bounds the run; crashes land in fuzz-crashes/.
FUZZ_SECONDS ?= 600
.PHONY: fuzz-xml
fuzz-xml:
	scripts/fuzz.sh FuzzNetworkXML $(FUZZ_SECONDS) ../shared/conformance/libvirt-network-xml/in

.PHONY: fuzz-dns
fuzz-dns:
	scripts/fuzz.sh FuzzDNSWire $(FUZZ_SECONDS) Fuzz/FuzzDNSWire/seeds

.PHONY: fuzz-http-reply
fuzz-http-reply:
	scripts/fuzz.sh FuzzHTTPReply $(FUZZ_SECONDS) Fuzz/FuzzHTTPReply/seeds

.PHONY: fuzz-dhcp
fuzz-dhcp:
	scripts/fuzz.sh FuzzDHCPWire $(FUZZ_SECONDS) Fuzz/FuzzDHCPWire/seeds

.PHONY: fuzz-netlink
fuzz-netlink:
	scripts/fuzz.sh FuzzNetlinkWire $(FUZZ_SECONDS) Fuzz/FuzzNetlinkWire/seeds

.PHONY: fuzz-loop-probe
fuzz-loop-probe:
	scripts/fuzz.sh FuzzLoopProbe $(FUZZ_SECONDS) Fuzz/FuzzLoopProbe/seeds

.PHONY: fuzz-dhcp-frame
fuzz-dhcp-frame:
	scripts/fuzz.sh FuzzDHCPFrame $(FUZZ_SECONDS) Fuzz/FuzzDHCPFrame/seeds Fuzz/FuzzDHCPWire/seeds

.PHONY: fuzz-helper-acl
fuzz-helper-acl:
	scripts/fuzz.sh FuzzHelperACL $(FUZZ_SECONDS) Fuzz/FuzzHelperACL/seeds

# All seven, one after the other (70 minutes with the default FUZZ_SECONDS).
.PHONY: fuzz
fuzz: fuzz-xml fuzz-dhcp fuzz-dhcp-frame fuzz-dns fuzz-netlink fuzz-loop-probe fuzz-helper-acl

.PHONY: fuzz-nwfilter
fuzz-nwfilter:
	scripts/fuzz.sh FuzzNWFilterXML $(FUZZ_SECONDS) ../shared/conformance/libvirt-nwfilter-xml/in \
	    ../shared/conformance/libvirt-nwfilter-builtin ../shared/conformance/libvirt-nwfilter-binding-xml

.PHONY: fuzz-ovsdb
fuzz-ovsdb:
	scripts/fuzz.sh FuzzOVSDBWire $(FUZZ_SECONDS) Fuzz/FuzzOVSDBWire/seeds

.PHONY: fuzz-vf-info
fuzz-vf-info:
	scripts/fuzz.sh FuzzVFInfo $(FUZZ_SECONDS) Fuzz/FuzzVFInfo/seeds

.PHONY: fuzz-traffic-learning
fuzz-traffic-learning:
	scripts/fuzz.sh FuzzTrafficLearning $(FUZZ_SECONDS) Fuzz/FuzzTrafficLearning/seeds
