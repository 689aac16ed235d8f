/**
 * Published results printed beside the measured ones. Most come from the corpora's PROVENANCE.txt
 * files, which quote them from memory: their caveats travel with them.
 */
export interface Reference {
  corpus: string;
  system: string;
  metric: string;
  value: string;
  source: string;
  caveat?: string;
}

const FROM_MEMORY = 'from memory in PROVENANCE.txt; verify before quoting';

export const REFERENCES: Reference[] = [
  {
    corpus: 'fpb50',
    system: 'FinBERT (fine-tuned BERT)',
    metric: 'accuracy / macro-F1',
    value: '0.86 / 0.84',
    source: 'Araci 2019, arXiv:1908.10063, Table 2 (50Agree, 60/20/20 split)',
    caveat: 'random 20% test split, not 5-fold CV',
  },
  {
    corpus: 'fpb50',
    system: 'ULMFit / LSTM',
    metric: 'accuracy',
    value: '0.83 / 0.71',
    source: 'Araci 2019, Table 2',
    caveat: FROM_MEMORY,
  },
  {
    corpus: 'fpb-all',
    system: 'FinBERT',
    metric: 'accuracy / F1',
    value: '0.97 / 0.95',
    source: 'Araci 2019, Table 2 (AllAgree)',
    caveat: FROM_MEMORY,
  },
  {
    corpus: 'banking77',
    system: 'all-MiniLM-L6-v2 + logistic regression',
    metric: 'accuracy',
    value: '0.8004',
    source: 'MTEB Banking77Classification (Muennighoff et al. 2022)',
  },
  {
    corpus: 'banking77',
    system: 'all-mpnet-base-v2 + logistic regression',
    metric: 'accuracy',
    value: '~0.817',
    source: 'MTEB leaderboard',
    caveat: FROM_MEMORY,
  },
  {
    corpus: 'banking77',
    system: 'USE+ConveRT / fine-tuned BERT',
    metric: 'accuracy',
    value: '0.9336 / ~0.93',
    source: 'Casanueva et al. 2020',
    caveat: FROM_MEMORY,
  },
  {
    corpus: 'medical-abstracts',
    system: 'zero-shot baselines (Lbl2TransformerVec, SBERT similarity)',
    metric: 'macro-F1',
    value: '~0.4-0.6',
    source: 'Schopf et al. 2023',
    caveat: `${FROM_MEMORY}; unsupervised, not comparable`,
  },
  {
    corpus: 'trec',
    system: 'CNN (Kim 2014) / fine-tuned transformers',
    metric: 'accuracy',
    value: '0.936 / ~0.97-0.98',
    source: 'Kim 2014; various',
    caveat: FROM_MEMORY,
  },
  {
    corpus: 'trec',
    system: 'SentEval linear probe on SBERT-NLI-base / USE',
    metric: 'accuracy',
    value: '~0.86-0.89 / ~0.92',
    source: 'Reimers & Gurevych 2019, Table 5',
    caveat: FROM_MEMORY,
  },
  {
    corpus: 'sst2',
    system: 'BERT-base / RoBERTa-large fine-tuned',
    metric: 'accuracy',
    value: '0.935 (test) / 0.964 (dev)',
    source: 'Devlin et al. 2019; Liu et al. 2019',
    caveat: FROM_MEMORY,
  },
  {
    corpus: 'sst2',
    system: 'frozen sentence embeddings + logistic regression',
    metric: 'accuracy',
    value: '~0.82-0.88',
    source: 'SentEval-style results for SBERT/MiniLM-class encoders',
    caveat: FROM_MEMORY,
  },
  {
    corpus: 'hoc',
    system: 'PubMedBERT (BLURB)',
    metric: 'micro-F1',
    value: '0.8232',
    source: 'Gu et al. 2021',
    caveat: `${FROM_MEMORY}; BLURB uses its own evaluation`,
  },
  {
    corpus: 'hoc',
    system: 'BlueBERT',
    metric: 'F1 (example-based, abstract level)',
    value: '~0.85-0.87',
    source: 'Peng et al. 2019',
    caveat: `${FROM_MEMORY}; abstract-level, not sentence-level`,
  },
  {
    corpus: 'ag-news',
    system: 'XLNet-large / char-CNN',
    metric: 'accuracy',
    value: '0.9555 / ~0.905',
    source: 'Yang et al. 2019; Zhang et al. 2015',
    caveat: `${FROM_MEMORY}; trained on the 120k train split, which we do not have`,
  },
];
