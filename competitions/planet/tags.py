"""The 17 Planet tags, the weather subset, and their frequencies in the full train_v2.csv."""

TAGS = (
    "agriculture", "artisinal_mine", "bare_ground", "blooming", "blow_down",
    "clear", "cloudy", "conventional_mine", "cultivation", "habitation",
    "haze", "partly_cloudy", "primary", "road", "selective_logging",
    "slash_burn", "water",
)

# Exactly one weather tag per chip; "cloudy" hides the ground, so it stands alone.
WEATHER_TAGS = ("clear", "partly_cloudy", "haze", "cloudy")
CLOUDY = "cloudy"

# Counts over all 40,479 rows of the real train_v2.csv (public competition facts).
TRAIN_TAG_COUNTS = {
    "primary": 37513, "clear": 28431, "agriculture": 12315, "road": 8071,
    "water": 7411, "partly_cloudy": 7261, "cultivation": 4547, "habitation": 3660,
    "haze": 2697, "cloudy": 2089, "bare_ground": 862, "selective_logging": 340,
    "artisinal_mine": 339, "blooming": 332, "slash_burn": 209, "blow_down": 101,
    "conventional_mine": 100,
}
TRAIN_ROWS = 40479
