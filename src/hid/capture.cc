#include "hid/capture.h"

#include <pcap/pcap.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <tuple>

#include "common/file.h"

namespace tt::hid {
namespace {

constexpr int kLinkUsbLinux = 189;          // DLT_USB_LINUX: 48-byte usbmon header
constexpr int kLinkUsbLinuxMmapped = 220;   // DLT_USB_LINUX_MMAPPED: 64-byte header
constexpr uint8_t kTransferInterrupt = 1;

// Offsets in the usbmon header (struct pcap_usb_header in <pcap/usb.h>), host byte order.
// The writer below lays out the same header field by field.
constexpr size_t kOffEvent = 8, kOffTransfer = 9, kOffEndpoint = 10, kOffDevice = 11, kOffBus = 12,
                 kOffStatus = 28, kOffDataLen = 36;

template <class T>
T load(const uint8_t* p) {
  T v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

template <class T>
void store(std::string& out, T v) {
  char b[sizeof v];
  std::memcpy(b, &v, sizeof v);
  out.append(b, sizeof v);
}

std::string printable(char c) {
  auto u = static_cast<unsigned char>(c);
  if (u >= 0x20 && u < 0x7F) return std::string("'") + c + "'";
  char buf[8];
  std::snprintf(buf, sizeof buf, "\\x%02X", u);
  return buf;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

struct PcapCloser {
  void operator()(pcap_t* p) const { pcap_close(p); }
};

}  // namespace

CaptureFormat format_by_name(std::string_view name) {
  if (name == "hex") return CaptureFormat::kHex;
  if (name == "raw") return CaptureFormat::kRaw;
  if (name == "pcap" || name == "pcapng" || name == "usbmon") return CaptureFormat::kUsbmon;
  throw UsageError("unknown capture format '" + std::string(name) + "': use hex, raw or pcap");
}

CaptureFormat sniff_format(std::string_view bytes) {
  static const char* const kMagics[] = {"\xD4\xC3\xB2\xA1", "\xA1\xB2\xC3\xD4", "\x4D\x3C\xB2\xA1",
                                        "\xA1\xB2\x3C\x4D", "\x0A\x0D\x0D\x0A"};
  if (bytes.size() >= 4) {
    for (const char* m : kMagics) {
      if (bytes.compare(0, 4, m, 4) == 0) return CaptureFormat::kUsbmon;
    }
  }
  for (char c : bytes) {
    auto u = static_cast<unsigned char>(c);
    if (!(u >= 0x20 && u < 0x7F) && c != '\n' && c != '\r' && c != '\t') return CaptureFormat::kRaw;
  }
  return CaptureFormat::kHex;
}

Capture parse_hex(std::string_view text, const std::string& name) {
  Capture cap;
  uint64_t line_no = 0;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(pos, end - pos);
    pos = end + 1;
    ++line_no;
    size_t hash = line.find('#');
    if (hash != std::string_view::npos) line = line.substr(0, hash);
    Report r{};
    size_t digits = 0;
    for (size_t col = 0; col < line.size(); ++col) {
      char c = line[col];
      if (c == ' ' || c == '\t' || c == '\r') continue;
      int v = hex_value(c);
      if (v < 0) {
        throw CaptureError(name, line_no,
                           "unexpected character " + printable(c) + " in column " + std::to_string(col + 1) +
                               "; a report is 16 hex digits, e.g. '00 00 04 00 00 00 00 00'");
      }
      if (digits < 16) r[digits / 2] = static_cast<uint8_t>(r[digits / 2] << 4 | v);
      ++digits;
    }
    if (digits == 0) continue;  // blank or comment line
    if (digits != 16) {
      throw CaptureError(name, line_no,
                         std::to_string(digits) + " hex digits; a report is 16 (8 bytes), e.g. '00 00 04 00 00 00 00 00'");
    }
    cap.reports.push_back(r);
  }
  return cap;
}

Capture parse_raw(std::string_view bytes, const std::string& name) {
  Capture cap;
  size_t whole = bytes.size() / kHidReportSize;
  if (bytes.size() % kHidReportSize != 0) {
    throw CaptureError(name, whole + 1,
                       "truncated record: " + std::to_string(bytes.size() % kHidReportSize) +
                           " of 8 bytes (the file size " + std::to_string(bytes.size()) +
                           " is not a multiple of 8; raw captures are 8-byte reports back to back)");
  }
  cap.reports.resize(whole);
  for (size_t i = 0; i < whole; ++i) std::memcpy(cap.reports[i].data(), bytes.data() + i * kHidReportSize, kHidReportSize);
  return cap;
}

Capture parse_usbmon(std::string_view bytes, const std::string& name, const UsbmonFilter& filter) {
  if (bytes.empty()) throw CaptureError(name, 0, "empty file: not a pcap or pcapng capture");
  // libpcap reads from a FILE*; fmemopen gives one over the bytes (read only: the cast is safe).
  FILE* f = fmemopen(const_cast<char*>(bytes.data()), bytes.size(), "rb");
  if (!f) throw CaptureError(name, 0, std::string("cannot open in memory: ") + std::strerror(errno));
  char errbuf[PCAP_ERRBUF_SIZE] = {0};
  std::unique_ptr<pcap_t, PcapCloser> pcap(pcap_fopen_offline(f, errbuf));
  if (!pcap) {
    std::fclose(f);
    throw CaptureError(name, 0, std::string("not a readable pcap or pcapng capture: ") + errbuf);
  }
  int link = pcap_datalink(pcap.get());
  if (link != kLinkUsbLinux && link != kLinkUsbLinuxMmapped) {
    throw CaptureError(name, 0,
                       "link type " + std::to_string(link) +
                           " is not Linux usbmon (189 or 220): not a USB capture; capture with "
                           "'tcpdump -i usbmonN -w file' or Wireshark on a usbmon interface");
  }
  const size_t header = link == kLinkUsbLinux ? 48 : 64;

  // Reports per endpoint, in order of first appearance.
  using Key = std::tuple<int, int, int>;  // bus, device, endpoint
  std::map<Key, std::vector<Report>> by_endpoint;
  std::vector<Key> order;
  uint64_t packets = 0;
  for (;;) {
    pcap_pkthdr* h = nullptr;
    const u_char* data = nullptr;
    int rc = pcap_next_ex(pcap.get(), &h, &data);
    if (rc == PCAP_ERROR_BREAK) break;  // end of file
    ++packets;
    if (rc != 1) {
      throw CaptureError(name, packets,
                         std::string("truncated or corrupt packet record: ") + pcap_geterr(pcap.get()));
    }
    if (h->caplen < header) {
      throw CaptureError(name, packets,
                         "packet of " + std::to_string(h->caplen) + " bytes is shorter than the usbmon header (" +
                             std::to_string(header) + ")");
    }
    const uint8_t* p = data;
    int bus = load<uint16_t>(p + kOffBus);
    int device = p[kOffDevice];
    int endpoint = p[kOffEndpoint];
    uint32_t data_len = load<uint32_t>(p + kOffDataLen);
    bool report = p[kOffEvent] == 'C' && p[kOffTransfer] == kTransferInterrupt && (endpoint & 0x80) != 0 &&
                  load<int32_t>(p + kOffStatus) == 0 && data_len == kHidReportSize &&
                  h->caplen - header >= kHidReportSize;
    bool wanted = (filter.bus < 0 || filter.bus == bus) && (filter.device < 0 || filter.device == device) &&
                  (filter.endpoint < 0 || (filter.endpoint | 0x80) == endpoint);
    if (!report || !wanted) continue;
    Key key{bus, device, endpoint};
    auto [it, fresh] = by_endpoint.try_emplace(key);
    if (fresh) order.push_back(key);
    Report r;
    std::memcpy(r.data(), p + header, kHidReportSize);
    it->second.push_back(r);
  }
  if (order.empty()) {
    throw CaptureError(name, 0,
                       "no 8-byte interrupt-IN completions" +
                           std::string(filter.bus >= 0 || filter.device >= 0 || filter.endpoint >= 0
                                           ? " on the selected endpoint"
                                           : "") +
                           " in " + std::to_string(packets) + " packets: not a keyboard capture");
  }
  Key best = order.front();
  for (const Key& k : order) {
    if (by_endpoint[k].size() > by_endpoint[best].size()) best = k;
  }
  Capture cap;
  cap.reports = std::move(by_endpoint[best]);
  cap.skipped = packets - cap.reports.size();
  std::tie(cap.bus, cap.device, cap.endpoint) = best;
  return cap;
}

Capture read_capture(const std::string& path, const CaptureFormat* format, const UsbmonFilter& filter) {
  std::string bytes;
  try {
    bytes = read_file(path, "a capture file (hex, raw, pcap or pcapng)");
  } catch (const CaptureError&) {
    throw;
  } catch (const Error& e) {  // "PATH: why": the same message, as a CaptureError
    std::string why = e.what();
    if (why.rfind(path + ": ", 0) == 0) why.erase(0, path.size() + 2);
    throw CaptureError(path, 0, why);
  }
  switch (format ? *format : sniff_format(bytes)) {
    case CaptureFormat::kHex:
      return parse_hex(bytes, path);
    case CaptureFormat::kRaw:
      return parse_raw(bytes, path);
    case CaptureFormat::kUsbmon:
      return parse_usbmon(bytes, path, filter);
  }
  throw std::logic_error("unknown CaptureFormat");
}

std::string format_hex(const std::vector<Report>& reports) {
  std::string out;
  out.reserve(reports.size() * 24);
  char buf[4];
  for (const Report& r : reports) {
    for (size_t i = 0; i < r.size(); ++i) {
      std::snprintf(buf, sizeof buf, "%02x", r[i]);
      out += buf;
      out += i + 1 < r.size() ? ' ' : '\n';
    }
  }
  return out;
}

void write_hex(const std::string& path, const std::vector<Report>& reports) {
  write_file_atomic(path, format_hex(reports));
}

void write_raw(const std::string& path, const std::vector<Report>& reports) {
  std::string out;
  for (const Report& r : reports) out.append(reinterpret_cast<const char*>(r.data()), r.size());
  write_file_atomic(path, out);
}

std::vector<UsbmonPacket> keyboard_packets(const std::vector<Report>& reports, uint16_t bus, uint8_t device,
                                           uint8_t endpoint) {
  std::vector<UsbmonPacket> out;
  int64_t t = 1700000000000000;  // a fixed start: the output does not depend on the clock
  uint64_t id = 0xffff8880'00000000ull;
  for (const Report& r : reports) {
    UsbmonPacket s;
    s.id = id;
    s.time_us = t;
    s.event = 'S';
    s.endpoint = endpoint;
    s.device = device;
    s.bus = bus;
    s.status = -115;  // -EINPROGRESS
    UsbmonPacket c = s;
    c.event = 'C';
    c.time_us = t + 8000;
    c.status = 0;
    c.data.assign(r.begin(), r.end());
    out.push_back(s);
    out.push_back(c);
    t += 8000;
    id += 0x100;
  }
  return out;
}

std::string format_usbmon(const std::vector<UsbmonPacket>& packets, int link_type, bool pcapng) {
  if (link_type != kLinkUsbLinux && link_type != kLinkUsbLinuxMmapped) {
    throw std::invalid_argument("format_usbmon: link type must be 189 or 220");
  }
  const uint32_t snaplen = 65535;
  std::string out;
  if (pcapng) {
    store<uint32_t>(out, 0x0A0D0D0A);  // section header block
    store<uint32_t>(out, 28);
    store<uint32_t>(out, 0x1A2B3C4D);
    store<uint16_t>(out, 1);
    store<uint16_t>(out, 0);
    store<int64_t>(out, -1);
    store<uint32_t>(out, 28);
    store<uint32_t>(out, 1);  // interface description block
    store<uint32_t>(out, 20);
    store<uint16_t>(out, static_cast<uint16_t>(link_type));
    store<uint16_t>(out, 0);
    store<uint32_t>(out, snaplen);
    store<uint32_t>(out, 20);
  } else {
    store<uint32_t>(out, 0xA1B2C3D4);
    store<uint16_t>(out, 2);
    store<uint16_t>(out, 4);
    store<int32_t>(out, 0);
    store<uint32_t>(out, 0);
    store<uint32_t>(out, snaplen);
    store<uint32_t>(out, static_cast<uint32_t>(link_type));
  }
  for (const UsbmonPacket& p : packets) {
    std::string rec;
    store<uint64_t>(rec, p.id);
    rec += p.event;
    rec += static_cast<char>(p.transfer);
    rec += static_cast<char>(p.endpoint);
    rec += static_cast<char>(p.device);
    store<uint16_t>(rec, p.bus);
    rec += '-';                                                  // no setup packet
    rec += p.data.empty() ? ((p.endpoint & 0x80) ? '<' : '>') : '\0';  // 0: data present
    store<int64_t>(rec, p.time_us / 1000000);
    store<int32_t>(rec, static_cast<int32_t>(p.time_us % 1000000));
    store<int32_t>(rec, p.status);
    store<uint32_t>(rec, static_cast<uint32_t>(p.event == 'S' && (p.endpoint & 0x80) ? 8 : p.data.size()));
    store<uint32_t>(rec, static_cast<uint32_t>(p.data.size()));
    rec.append(8, '\0');  // setup / iso
    if (link_type == kLinkUsbLinuxMmapped) {
      store<int32_t>(rec, p.transfer == kTransferInterrupt ? 8 : 0);  // interval
      store<int32_t>(rec, 0);
      store<uint32_t>(rec, 0);
      store<uint32_t>(rec, 0);
    }
    rec.append(reinterpret_cast<const char*>(p.data.data()), p.data.size());
    auto len = static_cast<uint32_t>(rec.size());
    if (pcapng) {
      uint32_t padded = (len + 3u) & ~3u;
      uint64_t ts = static_cast<uint64_t>(p.time_us);
      store<uint32_t>(out, 6);  // enhanced packet block
      store<uint32_t>(out, 32 + padded);
      store<uint32_t>(out, 0);
      store<uint32_t>(out, static_cast<uint32_t>(ts >> 32));
      store<uint32_t>(out, static_cast<uint32_t>(ts));
      store<uint32_t>(out, len);
      store<uint32_t>(out, len);
      out += rec;
      out.append(padded - len, '\0');
      store<uint32_t>(out, 32 + padded);
    } else {
      store<uint32_t>(out, static_cast<uint32_t>(p.time_us / 1000000));
      store<uint32_t>(out, static_cast<uint32_t>(p.time_us % 1000000));
      store<uint32_t>(out, len);
      store<uint32_t>(out, len);
      out += rec;
    }
  }
  return out;
}

void write_usbmon(const std::string& path, const std::vector<UsbmonPacket>& packets, int link_type, bool pcapng) {
  write_file_atomic(path, format_usbmon(packets, link_type, pcapng));
}

}  // namespace tt::hid
