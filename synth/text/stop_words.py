"""The one list of words that carry no theme: English stop words and those of conversation.

Statements (what is procedural or back-channel), the clustering's lexical context, and the
labels and keywords all read it, so a word is a theme word everywhere or nowhere.
"""

from __future__ import annotations

from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

# Words of spoken conversation that carry no theme; added to the English stop words.
CONVERSATION_STOP_WORDS = frozenset(
    """
    yeah yes yep okay ok um uh uhm mm hmm mhm huh ah oh er erm like just really actually basically
    think know mean guess sort kind lot lots thing things stuff gonna wanna gotta got get getting
    going go goes said say says saying tell told want wanted need right sure well good great maybe
    probably pretty quite bit little way ll ve re don didn doesn isn aren wasn won wouldn couldn
    shouldn let okay alright alrighty anyway anyways one two three also still even
    look looking see seen come came make made take took put use used thank thanks please
    dont didnt doesnt isnt cant wont wouldnt couldnt shouldnt im ive youre thats theres did does
    doing done having
    """.split()
)
STOP_WORDS = sorted(ENGLISH_STOP_WORDS | CONVERSATION_STOP_WORDS)
