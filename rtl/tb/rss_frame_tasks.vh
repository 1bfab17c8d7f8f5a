// Frame-expectation and random-frame tasks shared by tb_nic_rx_parser and
// tb_nic_rss. Included inside their module bodies: it uses their signals
// (the model's expectation registers, kbuf, seed, ...).

// expectation of the last frame sent: direct checks of the model
task expect_parse(input [1:0] l3, input [1:0] l4, input [7:0] f, input [1:0] vc,
                  input integer o3, input integer o4, input integer op, input [3:0] t);
    begin
        if (e_l3 !== l3 || e_l4 !== l4 || e_flags !== f || e_vlan !== vc || e_l3off != o3 ||
            e_l4off != o4 || e_payoff != op || c_type !== t) begin
            $display("FAIL: directed case %0d: model l3 %0d l4 %0d flags %02x vlan %0d off %0d/%0d/%0d type %0d",
                     nsent - 1, e_l3, e_l4, e_flags, e_vlan, e_l3off, e_l4off, e_payoff, c_type);
            $display("      expected        l3 %0d l4 %0d flags %02x vlan %0d off %0d/%0d/%0d type %0d",
                     l3, l4, f, vc, o3, o4, op, t);
            $fatal(1);
        end
    end
endtask

// ---------------------------------------------------------------------------
// Frame builders
// ---------------------------------------------------------------------------

integer pos;

task put8(input integer v);
    begin fbuf[pos] = v; pos = pos + 1; end
endtask
task put16(input integer v);
    begin fbuf[pos] = v >> 8; fbuf[pos+1] = v; pos = pos + 2; end
endtask
task put32(input [31:0] v);
    begin put16(v[31:16]); put16(v[15:0]); end
endtask
task put128(input [127:0] v);
    integer i;
    begin for (i = 0; i < 16; i = i + 1) put8(v[127-8*i -: 8]); end
endtask
task wr16(input integer at, input integer v);
    begin fbuf[at] = v >> 8; fbuf[at+1] = v; end
endtask

task clear_frame;
    integer i;
    begin
        for (i = 0; i < FMAX; i = i + 1) fbuf[i] = $random(seed);
        pos = 0;
        put32(32'h02000000); put16(16'h0001);   // dst MAC
        put32(32'h02000000); put16(16'h0002);   // src MAC
    end
endtask

// IPv4 header at pos; tot filled by fin_ipv4
integer ip_at, l4_at;
task put_ipv4(input integer ihl, input integer frag, input integer proto,
              input [31:0] src, input [31:0] dst);
    integer i;
    begin
        ip_at = pos;
        put8(8'h40 | ihl); put8(0); put16(0); put16(16'h1234); put16(frag);
        put8(64); put8(proto); put16(0); put32(src); put32(dst);
        for (i = 5; i < ihl; i = i + 1) put32(32'h01010101);
        l4_at = pos;
    end
endtask
task fin_ipv4;   // total length = up to pos
    begin wr16(ip_at + 2, pos - ip_at); end
endtask
task put_ipv6(input integer nh, input [127:0] src, input [127:0] dst);
    begin
        ip_at = pos;
        put32(32'h60000000); put16(0); put8(nh); put8(64); put128(src); put128(dst);
        l4_at = pos;
    end
endtask
task fin_ipv6;
    begin wr16(ip_at + 4, pos - ip_at - 40); end
endtask
// extension header: next header, length in 8-byte units beyond the first (0 for fragment)
task put_ext(input integer nh, input integer units);
    integer i;
    begin
        put8(nh); put8(units);
        for (i = 2; i < 8 * (units + 1); i = i + 1) put8(0);
        l4_at = pos;
    end
endtask
task put_tcp(input integer sp, input integer dp, input integer doff, input integer opt_bytes);
    integer i;
    begin
        put16(sp); put16(dp); put32(1); put32(0); put8(doff << 4); put8(8'h10); put16(1024);
        put16(0); put16(0);
        for (i = 0; i < opt_bytes; i = i + 1) put8(1);
    end
endtask
task put_udp(input integer sp, input integer dp);
    begin put16(sp); put16(dp); put16(8); put16(0); end
endtask
task put_payload(input integer n);
    integer i;
    begin for (i = 0; i < n; i = i + 1) put8(i); end
endtask
task go;   // send the frame built so far, wire_len = pos
    begin
        wire_len = pos;
        set_keeps;
        send_frame;
    end
endtask

// ---------------------------------------------------------------------------
// Random frames
// ---------------------------------------------------------------------------

task gen_random;
    integer nt, kind, i, n, ihl, ver, nh, units, frag, proto, l4kind, doff, nx, hdr_at, cut;
    begin
        clear_frame;
        nt = rnd(100);
        nt = nt < 55 ? 0 : nt < 78 ? 1 : nt < 93 ? 2 : 3;
        for (i = 0; i < nt; i = i + 1) begin
            put16(rnd(2) ? 16'h8100 : 16'h88A8); put16(rnd(65536));
        end
        kind = rnd(100);
        l4kind = rnd(100);
        proto = l4kind < 40 ? 6 : l4kind < 75 ? 17 : l4kind < 85 ? 1 : rnd(256);
        if (kind < 45) begin
            put16(16'h0800);
            ihl = rnd(100) < 70 ? 5 : 5 + rnd(11);
            if (rnd(100) < 3) ihl = rnd(5);
            ver = rnd(100) < 97 ? 4 : rnd(16);
            frag = rnd(100);
            frag = frag < 50 ? 0 : frag < 80 ? 16'h4000 : frag < 90 ? 16'h2000 : rnd(65536);
            put_ipv4(ihl, frag, proto, $random(seed), $random(seed));
            fbuf[ip_at] = {ver[3:0], ihl[3:0]};
            if (ihl < 5) l4_at = ip_at + 20;
            pos = l4_at;
        end else if (kind < 82) begin
            put16(16'h86DD);
            nx = rnd(100);
            nx = nx < 50 ? 0 : nx < 85 ? 1 + rnd(3) : nx < 95 ? 4 + rnd(8) : 12 + rnd(30);
            put_ipv6(0, {$random(seed), $random(seed), $random(seed), $random(seed)},
                     {$random(seed), $random(seed), $random(seed), $random(seed)});
            if (rnd(100) < 3) fbuf[ip_at] = rnd(256);
            hdr_at = ip_at + 6;   // where the next-header value goes
            for (i = 0; i < nx && pos < FMAX - 300; i = i + 1) begin
                n = rnd(4);
                nh = n == 0 ? 0 : n == 1 ? 43 : n == 2 ? 60 : 44;
                fbuf[hdr_at] = nh;
                hdr_at = pos;
                units = rnd(100) < 80 ? rnd(3) : rnd(40);
                if (nh == 44) units = 0;
                put_ext(0, units);
                if (nh == 44) fbuf[hdr_at + 1] = rnd(256);   // reserved byte, ignored
            end
            fbuf[hdr_at] = proto;
            l4_at = pos;
        end else if (kind < 90) begin
            put16(16'h0806);
            put_payload(28);
        end else begin
            put16(rnd(65536));
            put_payload(rnd(60));
        end
        if (kind < 82) begin
            if (proto == 6) begin
                doff = rnd(100) < 70 ? 5 : 5 + rnd(11);
                if (rnd(100) < 4) doff = rnd(5);
                put_tcp(rnd(65536), rnd(65536), doff, doff > 5 ? 4 * (doff - 5) : 0);
            end else if (proto == 17) begin
                put_udp(rnd(65536), rnd(65536));
            end
            n = rnd(100);
            put_payload(n < 40 ? 0 : n < 80 ? rnd(64) : rnd(400));
            if (pos > FMAX - 64) pos = FMAX - 64;
            if (kind < 45) fin_ipv4; else fin_ipv6;
            n = rnd(100);
            if (n < 5) begin
                // a wrong length field
                if (kind < 45) wr16(ip_at + 2, rnd(100) < 50 ? rnd(65536) : (pos - ip_at) + rnd(9) - 4);
                else wr16(ip_at + 4, rnd(100) < 50 ? rnd(65536) : (pos - ip_at - 40) + rnd(9) - 4);
            end else if (n < 10 && kind < 45) begin
                wr16(ip_at + 2, (pos - ip_at) - rnd(24));
            end else if (n < 15 && kind >= 45) begin
                wr16(ip_at + 4, (pos - ip_at - 40) - rnd(24));
            end
        end
        // Ethernet padding to 60, or random padding
        if (pos < 60 && rnd(100) < 80) pos = 60;
        else if (rnd(100) < 15) pos = pos + rnd(20);
        // truncation
        cut = rnd(100);
        if (cut < 10) pos = 1 + rnd(pos);
        wire_len = pos;
        set_keeps;
        // tkeep anomalies
        n = rnd(100);
        if (n < 3 && wire_len > 8) begin
            kbuf[rnd((wire_len + 7) / 8)] = $random(seed);
        end else if (n < 5) begin
            kbuf[(wire_len + 7) / 8 - 1] = $random(seed);
        end
    end
endtask
