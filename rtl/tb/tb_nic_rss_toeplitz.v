`timescale 1ns / 1ps
`default_nettype none

/*
 * Self-checking test bench for nic_rss_toeplitz.
 *
 * The Microsoft RSS verification suite (also in the 82599 datasheet and
 * DPDK's test_thash.c) with rss::MS_KEY: every IPv4 and IPv6 row, 2-tuple and
 * 4-tuple; then random tuples and keys against a bit-serial behavioural
 * model. Hashed entries go in STEPS cycles apart (the engine's rate) or a
 * little more, with entries that are not hashed (s_hash_en low, garbage
 * data: hash 0) in between, often in every cycle; the key and data change
 * randomly in the cycles where they are not sampled (s_hash_en low). Every
 * entry is checked in order, exactly LATENCY cycles after it went in.
 * Prints PASS, or stops with $fatal.
 */
module tb_nic_rss_toeplitz;

localparam DATA_BYTES = 36;
localparam KEY_BYTES = 40;
localparam NVEC = 16 + 400;
localparam STEPS = (DATA_BYTES + 7) / 8;
localparam LATENCY = STEPS + 3;
localparam NENT = 8192;

reg clk = 1'b0;
always #5 clk = ~clk;
reg rst = 1'b1;

reg [DATA_BYTES*8-1:0] s_data = 0;
reg [KEY_BYTES*8-1:0] s_key = 0;
reg s_valid = 1'b0;
reg s_hash_en = 1'b0;
reg [15:0] s_user = 16'd0;
wire [31:0] m_hash;
wire m_valid;
wire [15:0] m_user;

nic_rss_toeplitz #(
    .DATA_BYTES(DATA_BYTES),
    .KEY_BYTES(KEY_BYTES),
    .USER_WIDTH(16)
) dut (
    .clk(clk),
    .rst(rst),
    .s_data(s_data),
    .s_key(s_key),
    .s_valid(s_valid),
    .s_hash_en(s_hash_en),
    .s_user(s_user),
    .m_hash(m_hash),
    .m_valid(m_valid),
    .m_user(m_user)
);

// MS key, byte 0 first
reg [7:0] ms_key_bytes [0:KEY_BYTES-1];
reg [KEY_BYTES*8-1:0] ms_key;

// test vectors: tuple, key, expected hash
reg [DATA_BYTES*8-1:0] vec_data [0:NVEC-1];
reg [KEY_BYTES*8-1:0] vec_key [0:NVEC-1];
reg [31:0] vec_hash [0:NVEC-1];
integer nvec = 0;

// behavioural model straight from docs/rss.md
function [31:0] toeplitz_ref(input [DATA_BYTES*8-1:0] d, input [KEY_BYTES*8-1:0] k);
    integer i, j;
    reg [31:0] h, w;
    begin
        h = 32'd0;
        for (i = 0; i < DATA_BYTES*8; i = i + 1) begin
            if (d[8*(i/8) + 7 - (i%8)]) begin
                for (j = 0; j < 32; j = j + 1) begin
                    w[31-j] = k[8*((i+j)/8) + 7 - ((i+j)%8)];
                end
                h = h ^ w;
            end
        end
        toeplitz_ref = h;
    end
endfunction

// tuple builders: network-order bytes, byte 0 at [7:0]
function [DATA_BYTES*8-1:0] tuple_v4(input [31:0] src, input [31:0] dst,
                                    input [15:0] sp, input [15:0] dp, input ports);
    integer i;
    reg [95:0] be;
    begin
        be = {src, dst, ports ? {sp, dp} : 32'd0};
        tuple_v4 = 0;
        for (i = 0; i < 12; i = i + 1) tuple_v4[8*i +: 8] = be[95-8*i -: 8];
    end
endfunction

function [DATA_BYTES*8-1:0] tuple_v6(input [127:0] src, input [127:0] dst,
                                    input [15:0] sp, input [15:0] dp, input ports);
    integer i;
    reg [287:0] be;
    begin
        be = {src, dst, ports ? {sp, dp} : 32'd0};
        tuple_v6 = 0;
        for (i = 0; i < 36; i = i + 1) tuple_v6[8*i +: 8] = be[287-8*i -: 8];
    end
endfunction

task add_vec(input [DATA_BYTES*8-1:0] d, input [KEY_BYTES*8-1:0] k, input [31:0] h);
    begin
        vec_data[nvec] = d;
        vec_key[nvec] = k;
        vec_hash[nvec] = h;
        nvec = nvec + 1;
    end
endtask

task add_v4(input [31:0] dst, input [31:0] src, input [15:0] dp, input [15:0] sp,
            input [31:0] h_l3, input [31:0] h_l4);
    begin
        add_vec(tuple_v4(src, dst, sp, dp, 1'b0), ms_key, h_l3);
        add_vec(tuple_v4(src, dst, sp, dp, 1'b1), ms_key, h_l4);
    end
endtask

task add_v6(input [127:0] dst, input [127:0] src, input [15:0] dp, input [15:0] sp,
            input [31:0] h_l3, input [31:0] h_l4);
    begin
        add_vec(tuple_v6(src, dst, sp, dp, 1'b0), ms_key, h_l3);
        add_vec(tuple_v6(src, dst, sp, dp, 1'b1), ms_key, h_l4);
    end
endtask

integer i, j, g, seed, outn, errors, nent, nzero;
reg [DATA_BYTES*8-1:0] rd;
reg [KEY_BYTES*8-1:0] rk;
reg [31:0] r32;

// per entry (s_user = entry number): expected hash, cycle it went in
reg [31:0] ent_hash [0:NENT-1];
integer ent_cycle [0:NENT-1];
integer cycle = 0;
always @(posedge clk) cycle <= cycle + 1;

// output checker: results come out in input order, LATENCY cycles after the input
always @(posedge clk) begin
    if (m_valid) begin
        if (m_user != outn[15:0]) begin
            $display("FAIL: result order, got user %0d expected %0d", m_user, outn);
            $fatal(1);
        end
        if (cycle != ent_cycle[outn] + LATENCY) begin
            $display("FAIL: entry %0d out at cycle %0d, in at %0d (latency %0d, expected %0d)", outn,
                     cycle, ent_cycle[outn], cycle - ent_cycle[outn], LATENCY);
            $fatal(1);
        end
        if (m_hash !== ent_hash[outn]) begin
            $display("FAIL: entry %0d hash %08x expected %08x", outn, m_hash, ent_hash[outn]);
            errors = errors + 1;
            $fatal(1);
        end
        outn = outn + 1;
    end
end

function [DATA_BYTES*8-1:0] rand_data(input integer dummy);
    integer b;
    reg [31:0] r;
    begin
        for (b = 0; b < DATA_BYTES; b = b + 1) begin
            r = $random(seed);
            rand_data[8*b +: 8] = r[7:0];
        end
    end
endfunction

function [KEY_BYTES*8-1:0] rand_key(input integer dummy);
    integer b;
    reg [31:0] r;
    begin
        for (b = 0; b < KEY_BYTES; b = b + 1) begin
            r = $random(seed);
            rand_key[8*b +: 8] = r[7:0];
        end
    end
endfunction

// one entry in this cycle: hashed (vector v) or not (v < 0, garbage data)
task put_entry(input integer v);
    begin
        s_valid <= 1'b1;
        s_user <= nent[15:0];
        ent_cycle[nent] = cycle + 1;   // cycle's own update at this edge is still pending
        if (v >= 0) begin
            s_hash_en <= 1'b1;
            s_data <= vec_data[v];
            s_key <= vec_key[v];
            ent_hash[nent] = vec_hash[v];
        end else begin
            s_hash_en <= 1'b0;
            s_data <= rand_data(0);
            s_key <= rand_key(0);
            ent_hash[nent] = 32'd0;
            nzero = nzero + 1;
        end
        nent = nent + 1;
        @(posedge clk);
    end
endtask

// a cycle without an entry (valid low, data and key garbage)
task put_idle;
    begin
        s_valid <= 1'b0;
        s_hash_en <= 1'b0;
        s_data <= rand_data(0);
        s_key <= rand_key(0);
        s_user <= $random(seed);
        @(posedge clk);
    end
endtask

initial begin
    outn = 0;
    errors = 0;
    nent = 0;
    nzero = 0;
    seed = 32'h1234_5678;
    {ms_key_bytes[0], ms_key_bytes[1], ms_key_bytes[2], ms_key_bytes[3], ms_key_bytes[4],
     ms_key_bytes[5], ms_key_bytes[6], ms_key_bytes[7], ms_key_bytes[8], ms_key_bytes[9]} =
        80'h6d5a56da255b0ec24167;
    {ms_key_bytes[10], ms_key_bytes[11], ms_key_bytes[12], ms_key_bytes[13], ms_key_bytes[14],
     ms_key_bytes[15], ms_key_bytes[16], ms_key_bytes[17], ms_key_bytes[18], ms_key_bytes[19]} =
        80'h253d43a38fb0d0ca2bcb;
    {ms_key_bytes[20], ms_key_bytes[21], ms_key_bytes[22], ms_key_bytes[23], ms_key_bytes[24],
     ms_key_bytes[25], ms_key_bytes[26], ms_key_bytes[27], ms_key_bytes[28], ms_key_bytes[29]} =
        80'hae7b30b477cb2da38030;
    {ms_key_bytes[30], ms_key_bytes[31], ms_key_bytes[32], ms_key_bytes[33], ms_key_bytes[34],
     ms_key_bytes[35], ms_key_bytes[36], ms_key_bytes[37], ms_key_bytes[38], ms_key_bytes[39]} =
        80'hf20c6a42b73bbeac01fa;
    for (i = 0; i < KEY_BYTES; i = i + 1) ms_key[8*i +: 8] = ms_key_bytes[i];

    // Microsoft RSS verification suite: destination, source, dst port, src port
    add_v4({8'd161, 8'd142, 8'd100, 8'd80}, {8'd66, 8'd9, 8'd149, 8'd187}, 16'd1766, 16'd2794,
           32'h323e8fc2, 32'h51ccc178);
    add_v4({8'd65, 8'd69, 8'd140, 8'd83}, {8'd199, 8'd92, 8'd111, 8'd2}, 16'd4739, 16'd14230,
           32'hd718262a, 32'hc626b0ea);
    add_v4({8'd12, 8'd22, 8'd207, 8'd184}, {8'd24, 8'd19, 8'd198, 8'd95}, 16'd38024, 16'd12898,
           32'hd2d0a5de, 32'h5c2b394a);
    add_v4({8'd209, 8'd142, 8'd163, 8'd6}, {8'd38, 8'd27, 8'd205, 8'd30}, 16'd2217, 16'd48228,
           32'h82989176, 32'hafc7327f);
    add_v4({8'd202, 8'd188, 8'd127, 8'd2}, {8'd153, 8'd39, 8'd163, 8'd191}, 16'd1303, 16'd44251,
           32'h5d1809c5, 32'h10e828a2);
    add_v6(128'h3ffe_2501_0200_0003_0000_0000_0000_0001, 128'h3ffe_2501_0200_1fff_0000_0000_0000_0007,
           16'd1766, 16'd2794, 32'h2cc18cd5, 32'h40207d3d);
    add_v6(128'hff02_0000_0000_0000_0000_0000_0000_0001, 128'h3ffe_0501_0008_0000_0260_97ff_fe40_efab,
           16'd4739, 16'd14230, 32'h0f0c461c, 32'hdde51bbf);
    add_v6(128'hfe80_0000_0000_0000_0200_f8ff_fe21_67cf, 128'h3ffe_1900_4545_0003_0200_f8ff_fe21_67cf,
           16'd38024, 16'd44251, 32'h4b61e985, 32'h02d1feef);

    // the behavioural model must agree with the suite
    for (i = 0; i < nvec; i = i + 1) begin
        if (toeplitz_ref(vec_data[i], vec_key[i]) !== vec_hash[i]) begin
            $display("FAIL: reference model disagrees with suite row %0d", i);
            $fatal(1);
        end
    end

    // random tuples (sparse and dense) and keys against the model
    while (nvec < NVEC) begin
        for (j = 0; j < DATA_BYTES; j = j + 1) begin
            r32 = $random(seed);
            rd[8*j +: 8] = r32[7:0];
        end
        if (nvec % 3 == 0) begin
            r32 = $random(seed);
            rd = 0;
            rd[r32[8:0] % (DATA_BYTES*8)] = 1'b1;
        end
        for (j = 0; j < KEY_BYTES; j = j + 1) begin
            r32 = $random(seed);
            rk[8*j +: 8] = r32[7:0];
        end
        if (nvec % 2 == 0) rk = ms_key;
        add_vec(rd, rk, toeplitz_ref(rd, rk));
    end

    repeat (4) @(posedge clk);
    rst <= 1'b0;
    @(posedge clk);

    // hashed entries STEPS cycles apart (sometimes up to 3 more), the cycles
    // in between: unhashed entries (every cycle in the first pass), idle
    // cycles, or a mix
    for (i = 0; i < nvec; i = i + 1) begin
        put_entry(i);
        r32 = $random(seed);
        g = STEPS - 1 + (r32[1:0] == 2'd0 ? r32[3:2] : 0);
        for (j = 0; j < g; j = j + 1) begin
            r32 = $random(seed);
            if (i < 40 || r32[1:0] != 2'd0) put_entry(-1); else put_idle;
        end
    end
    // two passes of unhashed entries back to back, then the suite again
    for (j = 0; j < 20; j = j + 1) put_entry(-1);
    for (i = 0; i < 16; i = i + 1) begin
        put_entry(i);
        for (j = 0; j < STEPS - 1; j = j + 1) put_idle;
    end
    s_valid <= 1'b0;
    s_hash_en <= 1'b0;
    repeat (LATENCY + 4) @(posedge clk);

    if (outn != nent) begin
        $display("FAIL: %0d results for %0d inputs", outn, nent);
        $fatal(1);
    end
    $display("tb_nic_rss_toeplitz: %0d vectors (16 MS suite, twice), %0d unhashed entries, latency %0d, ok",
             nvec, nzero, LATENCY);
    $display("PASS");
    $finish;
end

endmodule

`resetall
