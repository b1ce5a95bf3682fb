"""NAPAS member banks by BIN: the 6-digit code a VietQR names the receiving bank by (38.01.00).

Source: the NAPAS member list as VietQR publishes it (vietqr.io bank list, [QR6]); ``code`` is
VietQR's short code, the one its Quick Link image API takes (``img.vietqr.io/image/<code>-…``).
This is a snapshot, not a feed: banks merge and rename, so update the table when NAPAS does.
Only BINs known with confidence are listed; a bank missing here can still be paid through its
BIN, the portal just cannot show its name. Several banks were renamed in 2023–2025; they are
listed under the name they trade under now, with the former name in ``former_names`` and
VietQR's (older) code kept, since that code is what the VietQR services know them by.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Bank:
    bin: str
    short_name: str
    name: str
    code: str
    former_names: tuple[str, ...] = ()


_BANKS: tuple[Bank, ...] = (
    Bank("970400", "Saigonbank", "Ngân hàng TMCP Sài Gòn Công Thương", "SGICB"),
    Bank("970403", "Sacombank", "Ngân hàng TMCP Sài Gòn Thương Tín", "STB"),
    Bank("970405", "Agribank", "Ngân hàng Nông nghiệp và Phát triển Nông thôn Việt Nam", "VBA"),
    Bank(
        "970406",
        "Vikki Bank",
        "Ngân hàng TNHH MTV Số Vikki",
        "DOB",
        ("DongA Bank", "Ngân hàng TMCP Đông Á"),
    ),
    Bank("970407", "Techcombank", "Ngân hàng TMCP Kỹ Thương Việt Nam", "TCB"),
    Bank("970408", "GPBank", "Ngân hàng Thương mại TNHH MTV Dầu Khí Toàn Cầu", "GPB"),
    Bank("970409", "Bac A Bank", "Ngân hàng TMCP Bắc Á", "BAB"),
    Bank("970412", "PVcomBank", "Ngân hàng TMCP Đại Chúng Việt Nam", "PVCB"),
    Bank(
        "970414",
        "MBV",
        "Ngân hàng TNHH MTV Việt Nam Hiện Đại",
        "OCEANBANK",
        ("OceanBank", "Ngân hàng Thương mại TNHH MTV Đại Dương"),
    ),
    Bank("970415", "VietinBank", "Ngân hàng TMCP Công Thương Việt Nam", "ICB"),
    Bank("970416", "ACB", "Ngân hàng TMCP Á Châu", "ACB"),
    Bank("970418", "BIDV", "Ngân hàng TMCP Đầu tư và Phát triển Việt Nam", "BIDV"),
    Bank("970419", "NCB", "Ngân hàng TMCP Quốc Dân", "NCB"),
    Bank("970421", "VRB", "Ngân hàng Liên doanh Việt - Nga", "VRB"),
    Bank("970422", "MB", "Ngân hàng TMCP Quân đội", "MB"),
    Bank("970423", "TPBank", "Ngân hàng TMCP Tiên Phong", "TPB"),
    Bank("970424", "Shinhan Bank", "Ngân hàng TNHH MTV Shinhan Việt Nam", "SHBVN"),
    Bank("970425", "ABBANK", "Ngân hàng TMCP An Bình", "ABB"),
    Bank("970426", "MSB", "Ngân hàng TMCP Hàng Hải Việt Nam", "MSB"),
    Bank("970427", "VietABank", "Ngân hàng TMCP Việt Á", "VAB"),
    Bank("970428", "Nam A Bank", "Ngân hàng TMCP Nam Á", "NAB"),
    Bank("970429", "SCB", "Ngân hàng TMCP Sài Gòn", "SCB"),
    Bank(
        "970430",
        "PGBank",
        "Ngân hàng TMCP Thịnh vượng và Phát triển",
        "PGB",
        ("Ngân hàng TMCP Xăng dầu Petrolimex",),
    ),
    Bank("970431", "Eximbank", "Ngân hàng TMCP Xuất Nhập khẩu Việt Nam", "EIB"),
    Bank("970432", "VPBank", "Ngân hàng TMCP Việt Nam Thịnh Vượng", "VPB"),
    Bank("970433", "VietBank", "Ngân hàng TMCP Việt Nam Thương Tín", "VIETBANK"),
    Bank("970434", "Indovina Bank", "Ngân hàng TNHH Indovina", "IVB"),
    Bank("970436", "Vietcombank", "Ngân hàng TMCP Ngoại Thương Việt Nam", "VCB"),
    Bank("970437", "HDBank", "Ngân hàng TMCP Phát triển Thành phố Hồ Chí Minh", "HDB"),
    Bank("970438", "BaoViet Bank", "Ngân hàng TMCP Bảo Việt", "BVB"),
    Bank("970439", "Public Bank", "Ngân hàng TNHH MTV Public Việt Nam", "PBVN"),
    Bank("970440", "SeABank", "Ngân hàng TMCP Đông Nam Á", "SEAB"),
    Bank("970441", "VIB", "Ngân hàng TMCP Quốc tế Việt Nam", "VIB"),
    Bank("970442", "Hong Leong Bank", "Ngân hàng TNHH MTV Hong Leong Việt Nam", "HLBVN"),
    Bank("970443", "SHB", "Ngân hàng TMCP Sài Gòn - Hà Nội", "SHB"),
    Bank("970444", "CBBank", "Ngân hàng Thương mại TNHH MTV Xây dựng Việt Nam", "CBB"),
    Bank("970446", "Co-op Bank", "Ngân hàng Hợp tác xã Việt Nam", "COOPBANK"),
    Bank("970448", "OCB", "Ngân hàng TMCP Phương Đông", "OCB"),
    Bank(
        "970449",
        "LPBank",
        "Ngân hàng TMCP Lộc Phát Việt Nam",
        "LPB",
        ("LienVietPostBank", "Ngân hàng TMCP Bưu điện Liên Việt"),
    ),
    Bank("970452", "KienlongBank", "Ngân hàng TMCP Kiên Long", "KLB"),
    Bank(
        "970454",
        "BVBank",
        "Ngân hàng TMCP Bản Việt",
        "VCCB",
        ("Viet Capital Bank",),
    ),
    Bank("970455", "IBK", "Ngân hàng Công nghiệp Hàn Quốc - Chi nhánh Hà Nội", "IBKHN"),
    Bank("970457", "Woori Bank", "Ngân hàng TNHH MTV Woori Việt Nam", "WVN"),
    Bank("970458", "UOB", "Ngân hàng TNHH MTV United Overseas Bank (Việt Nam)", "UOB"),
)

_BY_BIN: dict[str, Bank] = {bank.bin: bank for bank in _BANKS}
_BY_SHORT_NAME: tuple[Bank, ...] = tuple(sorted(_BANKS, key=lambda b: b.short_name.casefold()))


def bank_by_bin(bin: str) -> Bank | None:
    """The member bank with this BIN, or None when it is not in the snapshot."""
    return _BY_BIN.get(bin)


def all_banks() -> tuple[Bank, ...]:
    """Every bank in the snapshot, by short name (case-insensitive), for a bank picker."""
    return _BY_SHORT_NAME
