// Per-frame metadata word (nic_rss result) as it travels through nic_rx_fifo
// to nic_rx_engine: packed by nic_core, opaque to the FIFO, unpacked into the
// completion record by nic_rx_dma_wr. Included inside module bodies.
localparam integer META_HASH_LSB = 0;       // [31:0]  RSS hash
localparam integer META_TYPE_LSB = 32;      // [35:32] RSS hash type
localparam integer META_QUEUE_LSB = 36;     // [43:36] queue (RETA / default queue)
localparam integer META_L3_TYPE_LSB = 44;   // [45:44]
localparam integer META_L4_TYPE_LSB = 46;   // [47:46]
localparam integer META_FLAGS_LSB = 48;     // [55:48] parse flags
localparam integer META_VLAN_LSB = 56;      // [57:56] VLAN tags parsed
localparam integer META_L3_OFF_LSB = 58;    // [67:58]
localparam integer META_L4_OFF_LSB = 68;    // [77:68]
localparam integer META_PAY_OFF_LSB = 78;   // [87:78]
localparam integer META_W = 88;
