// Keyboard report captures: readers and writers.
//
//   hex     one 8-byte report per line as 16 hex digits; spaces and tabs anywhere, '#' starts a
//           comment, blank lines and CRLF endings allowed.
//   raw     8-byte records back to back.
//   usbmon  Linux usbmon captures (Wireshark, tcpdump) in pcap or pcapng, link type
//           DLT_USB_LINUX (189) or DLT_USB_LINUX_MMAPPED (220), read with libpcap. Only
//           interrupt-IN completions (status 0) with exactly 8 data bytes are reports; they are
//           taken from one endpoint (bus, device, endpoint): the one with the most such packets
//           (the first seen on a tie), or the one UsbmonFilter names.
//
// Errors and skips:
//   * Thrown (CaptureError, naming the file and the line/record/packet): a malformed hex line;
//     a raw file whose size is not a multiple of 8 (the truncated last record); a file libpcap
//     cannot open; a link type other than 189/220; a truncated or corrupt packet record; a
//     packet shorter than the usbmon header; a usbmon capture with no 8-byte interrupt-IN
//     completion ("not a keyboard").
//   * Counted in Capture::skipped: usbmon packets that are not reports of the chosen endpoint
//     (submissions, control/bulk/iso traffic, other endpoints, errors, lengths other than 8).
//   * Kept: ErrorRollOver reports; the decoder ignores them.
// Writers build the whole file in memory and write it with write_file_atomic (common/file.h):
// a failed or killed write leaves the old file or the complete new one.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"
#include "hid/keyboard.h"

namespace tt::hid {

class CaptureError : public Error {
 public:
  // record: 1-based line (hex), record (raw) or packet (usbmon) number; 0 for the whole file.
  CaptureError(const std::string& file, uint64_t record, const std::string& what)
      : Error(at(file, static_cast<size_t>(record), what)), file_(file), record_(record) {}
  const std::string& file() const { return file_; }
  uint64_t record() const { return record_; }

 private:
  std::string file_;
  uint64_t record_;
};

enum class CaptureFormat { kHex, kRaw, kUsbmon };

struct Capture {
  std::vector<Report> reports;
  uint64_t skipped = 0;  // usbmon packets that are not reports of the chosen endpoint
  // usbmon: the chosen endpoint.
  int bus = -1;
  int device = -1;
  int endpoint = -1;  // with the IN bit, e.g. 0x81
};

// Restricts a usbmon read to one endpoint; -1 matches any.
struct UsbmonFilter {
  int bus = -1;
  int device = -1;
  int endpoint = -1;  // with or without the IN bit 0x80
};

// "hex", "raw", "pcap"/"pcapng"/"usbmon"; throws UsageError for any other name.
CaptureFormat format_by_name(std::string_view name);

// The format of a file's content: pcap/pcapng magic -> usbmon; else a NUL or any byte that is not
// printable ASCII or whitespace -> raw; else hex (an empty file is hex, no reports).
CaptureFormat sniff_format(std::string_view bytes);

// Parsers of in-memory data; `name` is the file name used in errors.
Capture parse_hex(std::string_view text, const std::string& name);
Capture parse_raw(std::string_view bytes, const std::string& name);
Capture parse_usbmon(std::string_view bytes, const std::string& name, const UsbmonFilter& filter = {});

// Reads a file (format sniffed when not given). Throws CaptureError if it cannot be read (a
// directory included).
Capture read_capture(const std::string& path, const CaptureFormat* format = nullptr, const UsbmonFilter& filter = {});

// Writers. write_hex writes "00 00 04 00 00 00 00 00" lines.
std::string format_hex(const std::vector<Report>& reports);
void write_hex(const std::string& path, const std::vector<Report>& reports);
void write_raw(const std::string& path, const std::vector<Report>& reports);

// One usbmon record (the fields a reader looks at); written in host byte order, as usbmon does.
struct UsbmonPacket {
  uint64_t id = 0;           // URB id: a submission and its completion share it
  int64_t time_us = 0;       // timestamp, microseconds since the epoch
  char event = 'C';          // 'S' submission, 'C' completion, 'E' error
  uint8_t transfer = 1;      // 0 iso, 1 interrupt, 2 control, 3 bulk
  uint8_t endpoint = 0x81;   // with the IN bit
  uint8_t device = 2;
  uint16_t bus = 1;
  int32_t status = 0;
  std::vector<uint8_t> data;
};

// A submission and an 8-byte completion per report, 8 ms apart, as a keyboard polls.
std::vector<UsbmonPacket> keyboard_packets(const std::vector<Report>& reports, uint16_t bus = 1, uint8_t device = 2,
                                           uint8_t endpoint = 0x81);

// A pcap (pcapng = false) or pcapng file of usbmon packets, link type 189 or 220.
std::string format_usbmon(const std::vector<UsbmonPacket>& packets, int link_type = 220, bool pcapng = false);
void write_usbmon(const std::string& path, const std::vector<UsbmonPacket>& packets, int link_type = 220,
                  bool pcapng = false);

}  // namespace tt::hid
