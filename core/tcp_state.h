/* SPDX-License-Identifier: MIT */
/* TCP states (RFC 9293) and their names: the daemon's and the tools'. */
#ifndef XTOE_TCP_STATE_H
#define XTOE_TCP_STATE_H

enum tcp_state {
	TCP_CLOSED,
	TCP_LISTEN,
	TCP_SYN_SENT,
	TCP_SYN_RCVD,
	TCP_ESTABLISHED,
	TCP_FIN_WAIT_1,
	TCP_FIN_WAIT_2,
	TCP_CLOSE_WAIT,
	TCP_CLOSING,
	TCP_LAST_ACK,
	TCP_TIME_WAIT,
};

/* RFC 9293 name, e.g. "SYN-RECEIVED". */
static inline const char *tcp_state_name(enum tcp_state s)
{
	static const char *const names[] = {
		[TCP_CLOSED] = "CLOSED",
		[TCP_LISTEN] = "LISTEN",
		[TCP_SYN_SENT] = "SYN-SENT",
		[TCP_SYN_RCVD] = "SYN-RECEIVED",
		[TCP_ESTABLISHED] = "ESTABLISHED",
		[TCP_FIN_WAIT_1] = "FIN-WAIT-1",
		[TCP_FIN_WAIT_2] = "FIN-WAIT-2",
		[TCP_CLOSE_WAIT] = "CLOSE-WAIT",
		[TCP_CLOSING] = "CLOSING",
		[TCP_LAST_ACK] = "LAST-ACK",
		[TCP_TIME_WAIT] = "TIME-WAIT",
	};

	if ((unsigned)s >= sizeof(names) / sizeof(names[0]))
		return "UNKNOWN";
	return names[s];
}

#endif /* XTOE_TCP_STATE_H */
