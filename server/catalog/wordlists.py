"""Word lists for the generated catalog: English/Hinglish words paired with real Hindi words."""

from __future__ import annotations

# (romanised Hindi as it appears in English titles, Devanagari)
HINGLISH: tuple[tuple[str, str], ...] = (
    ("Pyaar", "प्यार"), ("Safar", "सफ़र"), ("Raat", "रात"), ("Dosti", "दोस्ती"), ("Lagaan", "लगान"),
    ("Zindagi", "ज़िंदगी"), ("Sapna", "सपना"), ("Toofan", "तूफ़ान"), ("Dil", "दिल"), ("Mausam", "मौसम"),
    ("Junoon", "जुनून"), ("Khel", "खेल"), ("Aasman", "आसमान"), ("Dharti", "धरती"), ("Sangam", "संगम"),
    ("Yatra", "यात्रा"), ("Kahani", "कहानी"), ("Raaz", "राज़"), ("Suraj", "सूरज"), ("Chand", "चाँद"),
    ("Baarish", "बारिश"), ("Nadi", "नदी"), ("Sheher", "शहर"), ("Gaon", "गाँव"), ("Jung", "जंग"),
    ("Umeed", "उम्मीद"), ("Aazadi", "आज़ादी"), ("Hausla", "हौसला"), ("Parivaar", "परिवार"),
    ("Mohabbat", "मोहब्बत"), ("Imtihaan", "इम्तिहान"), ("Sitara", "सितारा"), ("Barsaat", "बरसात"),
    ("Khwaab", "ख़्वाब"), ("Intezaar", "इंतज़ार"), ("Virasat", "विरासत"),
)
HINGLISH_JOINS: tuple[tuple[str, str], ...] = (("Ki", "की"), ("Aur", "और"), ("Ka", "का"), ("", ""))

# English adjective/noun pairs with their Hindi translations.
ADJECTIVES: tuple[tuple[str, str], ...] = (
    ("Silent", "ख़ामोश"), ("Last", "आख़िरी"), ("Golden", "सुनहरा"), ("Broken", "टूटा"), ("Hidden", "छुपा"),
    ("Lost", "खोया"), ("Burning", "जलता"), ("Wild", "जंगली"), ("Midnight", "आधी रात का"), ("Secret", "गुप्त"),
    ("Endless", "अनंत"), ("Red", "लाल"), ("Blue", "नीला"), ("Distant", "दूर का"), ("Brave", "बहादुर"),
    ("Little", "छोटा"), ("Dark", "अंधेरा"), ("Forgotten", "भूला"),
)
NOUNS: tuple[tuple[str, str], ...] = (
    ("River", "नदी"), ("Monsoon", "मानसून"), ("Journey", "सफ़र"), ("Night", "रात"), ("Friendship", "दोस्ती"),
    ("Love", "प्यार"), ("Dream", "सपना"), ("Storm", "तूफ़ान"), ("Kingdom", "राज्य"), ("Promise", "वादा"),
    ("Mountain", "पहाड़"), ("Train", "रेलगाड़ी"), ("Letter", "चिट्ठी"), ("Garden", "बगीचा"), ("Festival", "त्योहार"),
    ("Street", "गली"), ("Game", "खेल"), ("Island", "द्वीप"), ("Song", "गीत"), ("Sky", "आसमान"),
    ("Village", "गाँव"), ("Detective", "जासूस"), ("Heart", "दिल"), ("Window", "खिड़की"),
)

CITIES: tuple[tuple[str, str], ...] = (
    ("Mumbai", "मुंबई"), ("Delhi", "दिल्ली"), ("Kolkata", "कोलकाता"), ("Jaipur", "जयपुर"), ("Varanasi", "वाराणसी"),
    ("Chennai", "चेन्नई"), ("Lucknow", "लखनऊ"), ("Goa", "गोवा"), ("Shimla", "शिमला"), ("London", "लंदन"),
)
STORY_ADJECTIVES: tuple[tuple[str, str], ...] = (
    ("moving", "भावुक"), ("thrilling", "रोमांचक"), ("funny", "मज़ेदार"), ("tender", "कोमल"), ("daring", "साहसी"),
    ("mysterious", "रहस्यमय"), ("heartfelt", "दिल छू लेने वाली"), ("gripping", "दिलचस्प"),
)

# (slug, English name, Hindi name)
GENRES: tuple[tuple[str, str, str], ...] = (
    ("action", "Action", "एक्शन"), ("drama", "Drama", "ड्रामा"), ("comedy", "Comedy", "कॉमेडी"),
    ("thriller", "Thriller", "थ्रिलर"), ("romance", "Romance", "रोमांस"), ("sports", "Sports", "खेल"),
    ("family", "Family", "पारिवारिक"), ("crime", "Crime", "अपराध"), ("mystery", "Mystery", "रहस्य"),
    ("documentary", "Documentary", "वृत्तचित्र"), ("animation", "Animation", "एनिमेशन"),
    ("horror", "Horror", "डरावनी"),
)

# (romanised, Devanagari)
FIRST_NAMES: tuple[tuple[str, str], ...] = (
    ("Shahrukh", "शाहरुख़"), ("Aarav", "आरव"), ("Vivaan", "विवान"), ("Aditya", "आदित्य"), ("Priya", "प्रिया"),
    ("Ananya", "अनन्या"), ("Diya", "दिया"), ("Rohan", "रोहन"), ("Kabir", "कबीर"), ("Meera", "मीरा"),
    ("Ishaan", "ईशान"), ("Sanya", "सान्या"), ("Arjun", "अर्जुन"), ("Neha", "नेहा"), ("Rahul", "राहुल"),
    ("Pooja", "पूजा"), ("Vikram", "विक्रम"), ("Kavya", "काव्या"), ("Farhan", "फ़रहान"), ("Zoya", "ज़ोया"),
    ("Oliver", "ओलिवर"), ("Emma", "एमा"), ("James", "जेम्स"), ("Sophie", "सोफ़ी"), ("Liam", "लियाम"),
    ("Grace", "ग्रेस"), ("Amitabh", "अमिताभ"), ("Madhuri", "माधुरी"),
)
LAST_NAMES: tuple[tuple[str, str], ...] = (
    ("Sharma", "शर्मा"), ("Verma", "वर्मा"), ("Kapoor", "कपूर"), ("Khan", "ख़ान"), ("Mehta", "मेहता"),
    ("Iyer", "अय्यर"), ("Reddy", "रेड्डी"), ("Nair", "नायर"), ("Banerjee", "बनर्जी"), ("Chopra", "चोपड़ा"),
    ("Malhotra", "मल्होत्रा"), ("Singh", "सिंह"), ("Patel", "पटेल"), ("Gupta", "गुप्ता"), ("Smith", "स्मिथ"),
    ("Taylor", "टेलर"), ("Wilson", "विल्सन"), ("Bose", "बोस"),
)

SPORTS: tuple[tuple[str, str], ...] = (
    ("Cricket", "क्रिकेट"), ("Football", "फ़ुटबॉल"), ("Kabaddi", "कबड्डी"), ("Hockey", "हॉकी"),
    ("Badminton", "बैडमिंटन"), ("Tennis", "टेनिस"),
)
TEAMS: tuple[tuple[str, str], ...] = (
    ("Mumbai", "मुंबई"), ("Delhi", "दिल्ली"), ("Chennai", "चेन्नई"), ("Kolkata", "कोलकाता"),
    ("Bengaluru", "बेंगलुरु"), ("Hyderabad", "हैदराबाद"), ("Pune", "पुणे"), ("Jaipur", "जयपुर"),
)
SPORT_STAGES: tuple[tuple[str, str], ...] = (
    ("Final", "फ़ाइनल"), ("Semi-final", "सेमीफ़ाइनल"), ("Quarter-final", "क्वार्टर फ़ाइनल"), ("Highlights", "झलकियाँ"),
)
