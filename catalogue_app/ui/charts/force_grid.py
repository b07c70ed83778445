"""Where each force's tile sits on the tile map: (column, row, short label) by force code.

Hand-made, as newspapers draw constituency hex maps: every force has one square and the
squares keep the rough shape of the country and each force's neighbours (Scotland at the
top, Northern Ireland to the west, Wales on the left, London and the South East at the
bottom right). British Transport Police polices the railways everywhere, so its tile sits
apart in the bottom corner.
"""

from __future__ import annotations

TILES: dict[str, tuple[int, int, str]] = {
    "police-scotland": (4, 0, "SCO"),
    "northumbria": (5, 1, "NUM"),
    "psni": (1, 2, "PSNI"),
    "cumbria": (4, 2, "CUM"),
    "durham": (5, 2, "DUR"),
    "cleveland": (6, 2, "CLE"),
    "lancashire": (4, 3, "LAN"),
    "north-yorkshire": (5, 3, "NYK"),
    "humberside": (6, 3, "HUM"),
    "merseyside": (3, 4, "MER"),
    "greater-manchester": (4, 4, "GMP"),
    "west-yorkshire": (5, 4, "WYK"),
    "south-yorkshire": (6, 4, "SYK"),
    "north-wales": (2, 5, "NWA"),
    "cheshire": (3, 5, "CHE"),
    "staffordshire": (4, 5, "STA"),
    "derbyshire": (5, 5, "DER"),
    "nottinghamshire": (6, 5, "NOT"),
    "lincolnshire": (7, 5, "LIN"),
    "dyfed-powys": (2, 6, "DPP"),
    "west-mercia": (3, 6, "WME"),
    "west-midlands": (4, 6, "WMP"),
    "warwickshire": (5, 6, "WAR"),
    "leicestershire": (6, 6, "LEI"),
    "cambridgeshire": (7, 6, "CAM"),
    "norfolk": (8, 6, "NOR"),
    "south-wales": (2, 7, "SWA"),
    "gwent": (3, 7, "GWE"),
    "gloucestershire": (4, 7, "GLO"),
    "northamptonshire": (5, 7, "NTH"),
    "bedfordshire": (6, 7, "BED"),
    "hertfordshire": (7, 7, "HER"),
    "suffolk": (8, 7, "SUF"),
    "avon-and-somerset": (3, 8, "A&S"),
    "wiltshire": (4, 8, "WIL"),
    "thames-valley": (5, 8, "TVP"),
    "metropolitan": (6, 8, "MET"),
    "city-of-london": (7, 8, "COL"),
    "essex": (8, 8, "ESS"),
    "devon-and-cornwall": (2, 9, "D&C"),
    "dorset": (3, 9, "DOR"),
    "hampshire": (4, 9, "HAM"),
    "surrey": (5, 9, "SUR"),
    "sussex": (6, 9, "SSX"),
    "kent": (7, 9, "KEN"),
    "btp": (0, 9, "BTP"),
}
COLUMNS = 1 + max(c for c, _, _ in TILES.values())
ROWS = 1 + max(r for _, r, _ in TILES.values())
