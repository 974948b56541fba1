#ifndef CPATCHBAY_H
#define CPATCHBAY_H

#include <stddef.h>
#include <stdint.h>

/* What Swift cannot express directly: variadic ioctl(2), setns(2) on one thread with a guaranteed
 * return to the original namespace, and the netlink socket setup that needs <linux/netlink.h>.
 * Every function returns a non-negative value on success and -errno on failure. */

/* Opens a NETLINK_ROUTE socket with extended ACKs and capped ACKs enabled, bound to a kernel-chosen
 * port id (written to *port_id) and subscribed to the multicast `groups` (RTMGRP_* bits; 0 for
 * none). When netns_path is non-NULL, the socket is created inside that
 * network namespace (e.g. /run/netns/NAME) and the calling thread returns to its own namespace
 * before the function returns; a netlink socket keeps the namespace it was created in. */
int cpatchbay_netlink_open(const char *netns_path, uint32_t groups, uint32_t *port_id);

/* Sets SO_RCVTIMEO so a lost reply cannot block a caller forever. */
int cpatchbay_set_receive_timeout(int fd, int milliseconds);
/* Connects (bind == 0) or binds (bind != 0) fd to the unix socket at path; 0, -ENAMETOOLONG when
 * the path does not fit sun_path, or -errno. */
int cpatchbay_unix_socket_address(int fd, const char *path, int bind);

/* Flags for cpatchbay_tap_create. */
#define CPATCHBAY_TAP_VNET_HDR 0x1
#define CPATCHBAY_TAP_MULTI_QUEUE 0x2
/* Fail with EEXIST instead of attaching to an existing TAP of the same name. */
#define CPATCHBAY_TAP_EXCLUSIVE 0x4

/* Creates a persistent TAP device through /dev/net/tun (TUNSETIFF, TUNSETOWNER, TUNSETGROUP,
 * TUNSETPERSIST), inside netns_path when given. `name` may contain a %d template ("vnet%d");
 * the kernel's chosen name is written to name_out (IFNAMSIZ bytes). owner/group < 0 leave them
 * unset. The descriptor is closed again: the device persists until deleted. */
int cpatchbay_tap_create(const char *netns_path, const char *name, int flags, long owner, long group,
                         char *name_out);

/* A UDP socket for a per-network server: SO_REUSEADDR (every network binds the same port),
 * SO_BROADCAST, SO_BINDTODEVICE to `ifname` (so it hears and answers only that bridge), bound
 * to `address` (network order; 0 for any) and `port`, non-blocking. Returns the fd or -errno. */
int cpatchbay_udp_socket(const char *ifname, uint32_t address, uint16_t port);

/* Turns the transmit checksum offload of `ifname` on or off (the legacy ETHTOOL_STXCSUM ioctl,
 * as `ethtool -K IFNAME tx on|off`), inside netns_path when given. With it off, the kernel
 * fills in the checksum of every packet the host sends through the device, so DHCP replies reach
 * guests with a correct UDP checksum even over veth and TAP devices (libvirt's CHECKSUM rule). */
int cpatchbay_set_tx_checksum(const char *netns_path, const char *ifname, int enabled);

/* Opens a new, non-persistent TAP from a name template ("vnet%d") in the caller's namespace, with
 * IFF_NO_PI and, with CPATCHBAY_TAP_VNET_HDR, IFF_VNET_HDR: what QEMU's bridge helper hands back.
 * The device lives as long as the descriptor. Returns the fd (name written to name_out) or -errno. */
int cpatchbay_tap_open(const char *name, int flags, char *name_out);

/* Opens the character device of a macvtap (major:minor as its sysfs `dev` file gives them) through
 * a node made for the purpose in `scratch_dir` and removed at once: /dev/tapIFINDEX is named by an
 * index that is only unique within one network namespace, so it may be another namespace's
 * device. Then TUNSETIFF with IFF_TAP|IFF_NO_PI and, per `flags`, IFF_VNET_HDR and
 * IFF_MULTI_QUEUE (macvtap starts with vnet_hdr on, so it is set either way). Returns the fd or
 * -errno. */
int cpatchbay_macvtap_open(unsigned int major_number, unsigned int minor_number, const char *scratch_dir, int flags);

/* Sends `fd` over the unix socket `socket_fd` with SCM_RIGHTS and a one-byte payload, as QEMU's
 * bridge helper protocol expects. Returns 0 or -errno. */
int cpatchbay_send_fd(int socket_fd, int fd);

/* An AF_PACKET raw socket for one ethertype (in netns_path when given), unbound: it receives
 * frames of that type delivered to any device of the namespace, and sends whole Ethernet frames
 * out of the device named at each send. Receives time out after receive_timeout_ms. */
int cpatchbay_packet_socket(const char *netns_path, uint16_t ethertype, int receive_timeout_ms);

/* Binds a packet socket to one device: from then on it receives that device's frames only.
 * Returns 0 or -errno. */
int cpatchbay_packet_bind(int fd, int ifindex, uint16_t ethertype);

/* Sends a whole Ethernet frame (header included) out of interface `ifindex`, bypassing any
 * bridge the device belongs to. Returns the bytes sent or -errno. */
int cpatchbay_packet_send(int fd, int ifindex, const uint8_t *frame, size_t length);

/* Receives one frame (header included); *ifindex is the device it arrived on. Returns its length,
 * 0 for a frame the host itself sent, or -errno (-EAGAIN when the timeout passed). */
int cpatchbay_packet_receive(int fd, uint8_t *buffer, size_t capacity, int *ifindex);

/* A socket filter that drops everything: the DHCP server's UDP socket stays bound (so port 67
 * is not answered with ICMP unreachable) and sends replies, while requests are read at layer 2. */
int cpatchbay_attach_drop_filter(int fd);

/* An AF_PACKET socket for every protocol (in netns_path when given) with a filter that keeps
 * IPv4 UDP datagrams to port 67 (first fragments only) and ignores what the host sends: it sees
 * each DHCP request on the bridge port it came in on, before the bridge forwards it. */
int cpatchbay_dhcp_ingress_socket(const char *netns_path, int receive_timeout_ms);

/* Receives one frame; *ifindex is the device it arrived on, *pkttype its PACKET_* type. Returns
 * its length or -errno (-EAGAIN when the timeout passed). */
int cpatchbay_packet_receive_from(int fd, uint8_t *buffer, size_t capacity, int *ifindex, int *pkttype);

/* Keeps only frames that start like a loop probe ("PATCHBAY", version 1), so that a flood of
 * other 0x88B5 frames never reaches the loop guard. */
int cpatchbay_attach_probe_filter(int fd);

/* poll(2) for readability: 1 readable, 0 timeout, or -errno. */
int cpatchbay_poll_readable(int fd, int timeout_ms);

/* SO_PEERCRED of a unix socket: the process, user and group at the other end. */
int cpatchbay_peer_credentials(int fd, int32_t *pid, uint32_t *uid, uint32_t *gid);

/* recvmsg with room for one descriptor (SCM_RIGHTS, close-on-exec); *received_fd is -1 when none
 * came. Returns the bytes received or -errno. */
int cpatchbay_receive_fd(int socket_fd, uint8_t *buffer, size_t capacity, int *received_fd);

/* sendmsg of `bytes` with `fd` attached (none when fd < 0). Returns the bytes sent or -errno. */
int cpatchbay_send_with_fd(int socket_fd, const uint8_t *bytes, size_t length, int fd);

/* Whether the process runs with elevated rights it did not start with (setuid/setgid). */
int cpatchbay_is_setuid(void);

/* Gives up setuid/setgid rights for good: real, effective and saved ids all the caller's own,
 * supplementary groups dropped when they were root's. Returns 0 or -errno. */
int cpatchbay_drop_privileges(void);

/* SO_PEERGROUPS: the supplementary groups of the process at the other end of a unix socket.
 * Returns how many were written to `groups`, or -errno (-ERANGE when `capacity` is too small). */
int cpatchbay_peer_groups(int fd, uint32_t *groups, int capacity);

/* Raises the soft limit on open files to the hard limit (at most 65536); returns the new limit. */
int cpatchbay_set_nofile_limit(void);

/* One classic BPF instruction: the layout of the kernel's struct sock_filter and of libpcap's
 * struct bpf_insn. */
struct cpatchbay_bpf_insn {
    uint16_t code;
    uint8_t jt;
    uint8_t jf;
    uint32_t k;
};

/* Attaches a classic BPF program (SO_ATTACH_FILTER): packets it rejects are never queued on,
 * nor copied to, the socket; its return value truncates what is kept (the snap length).
 * Returns 0 or -errno. */
int cpatchbay_attach_filter(int fd, const struct cpatchbay_bpf_insn *code, size_t count);

/* A packet capture socket (in netns_path when given): AF_PACKET, SOCK_RAW, protocol 0 so that
 * nothing is queued before it is bound (its filter goes on first), non-blocking, with
 * SO_TIMESTAMPNS (the kernel's receive time) and PACKET_AUXDATA (the length on the wire). */
int cpatchbay_capture_socket(const char *netns_path);

/* Binds a capture socket to one device for every protocol (ETH_P_ALL): frames the device
 * receives and frames it sends, each once. Returns 0 or -errno. */
int cpatchbay_capture_bind(int fd, int ifindex);

/* Receives one frame without blocking: its bytes (at most capacity) into buffer, the length it
 * had on the wire into *original_length, the kernel's timestamp into *seconds and *nanoseconds.
 * Returns the bytes kept or -errno (-EAGAIN when nothing is queued). */
int cpatchbay_capture_receive(int fd, uint8_t *buffer, size_t capacity, uint32_t *original_length,
                              int64_t *seconds, int64_t *nanoseconds);

/* --- patchbay bench and tune --- */

/* Creates a network namespace and names it `path` (under /run/netns, made if missing): the
 * calling thread unshares its network namespace, bind-mounts /proc/thread-self/ns/net on the
 * file, and returns to its own namespace. -EEXIST when the name is taken. */
int cpatchbay_netns_create(const char *path);

/* Unnames a namespace made by cpatchbay_netns_create: the bind mount detached, the file removed.
 * The namespace itself ends with the last process or socket in it. */
int cpatchbay_netns_delete(const char *path);

/* A socket(family, type | SOCK_CLOEXEC, 0) created inside netns_path (NULL: the caller's): a
 * socket keeps the namespace it was made in, so binding, connecting and moving bytes on it can
 * then happen on any thread. */
int cpatchbay_socket_in_netns(const char *netns_path, int family, int type);

/* open(path, (write ? O_WRONLY : O_RDONLY) | O_CLOEXEC) from inside netns_path: /proc/thread-self/net/... and
 * /proc/sys/net/... answer for the namespace the opening thread was in. */
int cpatchbay_open_in_netns(const char *netns_path, const char *path, int write);

/* posix_spawn(program, argv) from a thread inside netns_path, so the child starts in that
 * namespace (namespaces are per thread and a child inherits its parent thread's); stdin is
 * /dev/null, stdout and stderr are the given descriptors, the signal mask is empty and SIGPIPE,
 * SIGINT and SIGTERM are at their defaults. *pid gets the child's pid. */
int cpatchbay_spawn_in_netns(const char *netns_path, const char *program, char *const argv[], int stdout_fd, int stderr_fd,
                             int32_t *pid);

/* SIOCETHTOOL reads, in the caller's namespace. Each returns 0, -EOPNOTSUPP when the driver has
 * no such operation, or -errno. A legacy ethtool_value get (ETHTOOL_GTSO, ETHTOOL_GGRO, ...): */
int cpatchbay_ethtool_value(const char *ifname, uint32_t command, uint32_t *value);
/* ETHTOOL_GRINGPARAM: rx, rx_max, tx, tx_max into values[0..3]. */
int cpatchbay_ethtool_rings(const char *ifname, uint32_t values[4]);
/* ETHTOOL_GCHANNELS: combined, combined_max, rx, rx_max, tx, tx_max into values[0..5]. */
int cpatchbay_ethtool_channels(const char *ifname, uint32_t values[6]);
/* ETHTOOL_GDRVINFO's driver name (at most capacity - 1 bytes, NUL-terminated). */
int cpatchbay_ethtool_driver(const char *ifname, char *driver, size_t capacity);

#endif
