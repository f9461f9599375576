"""Which real icons stand for each of the 20 classes, per drawing style, picked by name from several sets.

PICTOGRAM: filled single-colour icons. ILLUSTRATION: colour emoji (plus "shade:" silhouettes,
coloured and shaded by the renderer, where no emoji exists: earrings). SKETCH: line icons
("edges:" takes a filled silhouette's outline where no line icon exists). Names absent from
an installed set are dropped and reported, so a newer set version cannot break the generator.
"""

from __future__ import annotations

EMOJI = ("openmoji", "twemoji", "noto", "fluent-emoji-flat")
_EARRINGS = "game-icons:earrings game-icons:drop-earrings game-icons:crystal-earrings game-icons:pearl-earring"


def _emoji(*names: str) -> str:
    return " ".join(f"{s}:{n}" for n in names for s in EMOJI)


# class -> {domain: "set:name ..."}
ICONS = {
    "귀걸이": {"PICTOGRAM": _EARRINGS + " game-icons:heart-earrings",
            "ILLUSTRATION": " ".join("shade:" + x for x in _EARRINGS.split()),
            "SKETCH": " ".join("edges:" + x for x in _EARRINGS.split())},
    "우산": {"PICTOGRAM": "fa6-solid:umbrella tabler:umbrella-filled mdi:umbrella mdi:umbrella-closed ph:umbrella-fill "
                        "ph:umbrella-simple-fill bi:umbrella-fill game-icons:umbrella material-symbols:umbrella",
           "ILLUSTRATION": _emoji("umbrella", "closed-umbrella", "umbrella-with-rain-drops"),
           "SKETCH": "tabler:umbrella tabler:umbrella-2 lucide:umbrella ph:umbrella-light ph:umbrella-simple-light "
                     "icon-park-outline:umbrella icon-park-outline:umbrella-one bi:umbrella mdi:umbrella-outline"},
    "자동차": {"PICTOGRAM": "fa6-solid:car fa6-solid:car-side tabler:car-filled mdi:car mdi:car-side mdi:car-hatchback "
                         "ph:car-fill ph:car-simple-fill bi:car-front-fill material-symbols:directions-car",
            "ILLUSTRATION": _emoji("automobile", "oncoming-automobile", "sport-utility-vehicle", "taxi", "racing-car"),
            "SKETCH": "tabler:car lucide:car lucide:car-front ph:car-light ph:car-simple-light icon-park-outline:car "
                      "bi:car-front mdi:car-outline"},
    "집": {"PICTOGRAM": "fa6-solid:house fa6-solid:house-chimney tabler:home-filled mdi:home mdi:home-variant "
                       "ph:house-fill ph:house-simple-fill bi:house-fill bi:house-door-fill game-icons:house "
                       "material-symbols:home material-symbols:cottage",
          "ILLUSTRATION": _emoji("house", "house-with-garden"),
          "SKETCH": "tabler:home tabler:building-cottage tabler:home-2 lucide:house ph:house-light ph:house-line-light "
                    "icon-park-outline:home bi:house bi:house-door mdi:home-outline"},
    "나무": {"PICTOGRAM": "fa6-solid:tree mdi:tree mdi:pine-tree ph:tree-fill ph:tree-evergreen-fill bi:tree-fill "
                        "game-icons:pine-tree game-icons:fruit-tree game-icons:palm-tree tabler:christmas-tree-filled",
           "ILLUSTRATION": _emoji("deciduous-tree", "evergreen-tree", "palm-tree", "christmas-tree"),
           "SKETCH": "tabler:tree tabler:trees tabler:christmas-tree lucide:tree-deciduous lucide:tree-pine "
                     "lucide:tree-palm ph:tree-light ph:tree-evergreen-light icon-park-outline:tree "
                     "icon-park-outline:tree-one bi:tree"},
    "물고기": {"PICTOGRAM": "fa6-solid:fish mdi:fish ph:fish-fill ph:fish-simple-fill game-icons:clownfish "
                         "game-icons:flatfish game-icons:angler-fish",
            "ILLUSTRATION": _emoji("fish", "tropical-fish", "blowfish"),
            "SKETCH": "tabler:fish lucide:fish ph:fish-light ph:fish-simple-light icon-park-outline:fish "
                      "icon-park-outline:fish-one"},
    "컵": {"PICTOGRAM": "fa6-solid:mug-hot fa6-solid:mug-saucer tabler:mug-filled mdi:cup mdi:coffee mdi:tea "
                       "bi:cup-fill bi:cup-hot-fill ph:coffee-fill material-symbols:coffee material-symbols:local-cafe",
          "ILLUSTRATION": _emoji("hot-beverage", "teacup-without-handle", "cup-with-straw"),
          "SKETCH": "tabler:cup tabler:mug tabler:coffee lucide:coffee lucide:cup-soda ph:coffee-light "
                    "icon-park-outline:cup icon-park-outline:tea icon-park-outline:cup-one bi:cup bi:cup-hot "
                    "mdi:cup-outline"},
    "열쇠": {"PICTOGRAM": "fa6-solid:key tabler:key-filled mdi:key mdi:key-variant ph:key-fill bi:key-fill "
                        "game-icons:key material-symbols:key",
           "ILLUSTRATION": _emoji("key", "old-key"),
           "SKETCH": "tabler:key lucide:key lucide:key-round ph:key-light icon-park-outline:key "
                     "icon-park-outline:key-one bi:key mdi:key-outline"},
    "시계": {"PICTOGRAM": "fa6-solid:clock tabler:clock-filled tabler:alarm-filled mdi:clock mdi:alarm ph:clock-fill "
                        "ph:alarm-fill bi:alarm-fill bi:clock-fill game-icons:pocket-watch material-symbols:alarm "
                        "material-symbols:schedule",
           "ILLUSTRATION": _emoji("alarm-clock", "mantelpiece-clock", "watch", "stopwatch", "three-oclock"),
           "SKETCH": "tabler:clock tabler:alarm lucide:clock lucide:alarm-clock ph:clock-light ph:alarm-light "
                     "icon-park-outline:alarm-clock icon-park-outline:alarm bi:alarm bi:clock mdi:clock-outline"},
    "별": {"PICTOGRAM": "fa6-solid:star tabler:star-filled mdi:star ph:star-fill bi:star-fill material-symbols:star "
                       "mdi:star-four-points",
          "ILLUSTRATION": _emoji("star", "glowing-star"),
          "SKETCH": "tabler:star lucide:star ph:star-light icon-park-outline:star bi:star mdi:star-outline"},
    "모자": {"PICTOGRAM": "fa6-solid:hat-cowboy fa6-solid:hat-wizard mdi:hat-fedora ph:cowboy-hat-fill "
                        "game-icons:top-hat game-icons:western-hat game-icons:outback-hat game-icons:winter-hat "
                        "game-icons:pirate-hat game-icons:billed-cap",
           "ILLUSTRATION": _emoji("top-hat", "womans-hat", "billed-cap"),
           "SKETCH": "tabler:chef-hat ph:cowboy-hat-light icon-park-outline:hat icon-park-outline:straw-hat "
                     "icon-park-outline:sun-hat icon-park-outline:woolen-hat lucide:hard-hat "
                     "edges:game-icons:top-hat edges:game-icons:western-hat"},
    "안경": {"PICTOGRAM": "fa6-solid:glasses mdi:glasses mdi:sunglasses ph:eyeglasses-fill ph:sunglasses-fill "
                        "tabler:sunglasses-filled game-icons:sunglasses material-symbols:eyeglasses",
           "ILLUSTRATION": _emoji("glasses", "sunglasses"),
           "SKETCH": "tabler:eyeglass tabler:eyeglass-2 tabler:sunglasses lucide:glasses ph:eyeglasses-light "
                     "ph:sunglasses-light icon-park-outline:glasses icon-park-outline:glasses-one bi:eyeglasses "
                     "bi:sunglasses"},
    "전구": {"PICTOGRAM": "fa6-solid:lightbulb tabler:bulb-filled mdi:lightbulb mdi:lightbulb-on ph:lightbulb-fill "
                        "ph:lightbulb-filament-fill bi:lightbulb-fill game-icons:light-bulb material-symbols:lightbulb",
           "ILLUSTRATION": _emoji("light-bulb"),
           "SKETCH": "tabler:bulb lucide:lightbulb ph:lightbulb-light ph:lightbulb-filament-light bi:lightbulb "
                     "mdi:lightbulb-outline mdi:lightbulb-on-outline"},
    "의자": {"PICTOGRAM": "fa6-solid:chair ph:chair-fill ph:armchair-fill game-icons:wooden-chair game-icons:armchair "
                        "game-icons:rocking-chair game-icons:director-chair material-symbols:chair "
                        "material-symbols:chair-alt mdi:chair-rolling",
           "ILLUSTRATION": _emoji("chair", "armchair"),
           "SKETCH": "tabler:armchair tabler:armchair-2 tabler:chair-director lucide:armchair ph:chair-light "
                     "ph:armchair-light icon-park-outline:chair icon-park-outline:chair-one "
                     "material-symbols:chair-alt-outline"},
    "병": {"PICTOGRAM": "fa6-solid:bottle-water fa6-solid:wine-bottle tabler:bottle-filled mdi:bottle-soda "
                       "mdi:bottle-wine mdi:baby-bottle ph:beer-bottle-fill game-icons:water-bottle "
                       "game-icons:wine-bottle game-icons:soda-bottle game-icons:beer-bottle material-symbols:water-bottle",
          "ILLUSTRATION": _emoji("bottle-with-popping-cork", "baby-bottle", "lotion-bottle", "squeeze-bottle"),
          "SKETCH": "tabler:bottle tabler:baby-bottle lucide:bottle-wine ph:beer-bottle-light icon-park-outline:bottle "
                    "icon-park-outline:bottle-one icon-park-outline:bottle-two mdi:bottle-wine-outline "
                    "mdi:bottle-soda-outline"},
    "달": {"PICTOGRAM": "fa6-solid:moon tabler:moon-filled mdi:moon-waning-crescent ph:moon-fill bi:moon-fill "
                       "game-icons:moon material-symbols:dark-mode",
          "ILLUSTRATION": _emoji("crescent-moon", "full-moon", "first-quarter-moon", "last-quarter-moon"),
          "SKETCH": "tabler:moon lucide:moon ph:moon-light icon-park-outline:moon bi:moon "
                    "material-symbols:dark-mode-outline"},
    "비행기": {"PICTOGRAM": "fa6-solid:plane fa6-solid:plane-up tabler:plane-filled mdi:airplane ph:airplane-fill "
                         "ph:airplane-tilt-fill bi:airplane-fill game-icons:airplane game-icons:commercial-airplane "
                         "material-symbols:flight",
            "ILLUSTRATION": _emoji("airplane", "small-airplane", "airplane-departure"),
            "SKETCH": "tabler:plane tabler:plane-tilt lucide:plane ph:airplane-light ph:airplane-tilt-light "
                      "icon-park-outline:airplane bi:airplane"},
    "책": {"PICTOGRAM": "fa6-solid:book fa6-solid:book-open tabler:book-filled mdi:book mdi:book-open-variant "
                       "ph:book-fill ph:books-fill bi:book-fill game-icons:book-cover game-icons:open-book "
                       "material-symbols:book material-symbols:menu-book",
          "ILLUSTRATION": _emoji("closed-book", "open-book", "blue-book", "green-book", "orange-book", "notebook"),
          "SKETCH": "tabler:book tabler:book-2 lucide:book lucide:book-open ph:book-light ph:book-open-light "
                    "icon-park-outline:book icon-park-outline:book-open bi:book mdi:book-open-outline"},
    "가방": {"PICTOGRAM": "fa6-solid:briefcase fa6-solid:suitcase fa6-solid:bag-shopping tabler:briefcase-filled "
                        "mdi:purse mdi:briefcase mdi:bag-personal ph:handbag-fill ph:backpack-fill bi:handbag-fill "
                        "bi:backpack-fill game-icons:backpack game-icons:shoulder-bag material-symbols:backpack",
           "ILLUSTRATION": _emoji("handbag", "backpack", "briefcase", "purse", "clutch-bag"),
           "SKETCH": "tabler:briefcase tabler:backpack lucide:briefcase lucide:backpack lucide:handbag "
                     "ph:handbag-light ph:backpack-light icon-park-outline:handbag icon-park-outline:shoulder-bag "
                     "icon-park-outline:backpack bi:handbag bi:backpack"},
    "꽃": {"PICTOGRAM": "tabler:flower-filled mdi:flower mdi:flower-tulip ph:flower-fill ph:flower-tulip-fill "
                       "bi:flower1 game-icons:sunflower game-icons:rose game-icons:daisy game-icons:lotus-flower "
                       "material-symbols:local-florist",
          "ILLUSTRATION": _emoji("cherry-blossom", "hibiscus", "rose", "sunflower", "tulip", "blossom"),
          "SKETCH": "tabler:flower lucide:flower lucide:flower-2 ph:flower-light ph:flower-tulip-light bi:flower1 "
                    "bi:flower2 bi:flower3 icon-park-outline:lotus mdi:flower-outline"},
}

# ILLUSTRATION also takes this share of shaded silhouettes of the class's PICTOGRAM icons (shaded icons, not emoji).
SHADED_SHARE = 0.15


def resolve(sets, classes) -> tuple[dict[str, dict[str, list[str]]], list[str]]:
    """class -> domain -> icon ids that render here, and the ids that do not (absent or refused)."""
    found, dropped = {}, []
    for label in classes:
        found[label] = {}
        for domain, ids in ICONS[label].items():
            keep = []
            for icon in ids.split():
                prefix, name = icon.split(":")[-2:]
                if prefix in sets and sets[prefix].svg(name) is not None:
                    keep.append(icon)
                else:
                    dropped.append(f"{label}/{domain}/{icon}")
            if not keep:
                raise ValueError(f"no icon renders for {label} in {domain}; tried {ids}")
            found[label][domain] = keep
    return found, dropped
