{#- One row per payment arrangement (betalingsregeling). Kept (nagekomen): ended with eindereden AFB
    (afbetaald); broken (verbroken): ended with eindereden VOL (regeling voldoet niet) or ONI (oninbaar).
    looptijd_dagen is NULL when the source gives an einddatum before the afspraakdatum (a source fault). -#}
with

regelingen as (
    select * from {{ ref('stg_raw__betalingsregelingen') }}
    where not is_verwijderd
        and afspraakdatum <= {{ extractdatum() }}
)

select
    regeling_id,
    overeenkomst_id,
    afspraakdatum,
    case when einddatum <= {{ extractdatum() }} then einddatum end as einddatum,
    cast(regeling_bedrag as decimal(14, 2)) as regeling_bedrag_euro,
    termijnen_aantal,
    regeling_status,
    regeling_eindereden,
    (einddatum is not null and einddatum <= {{ extractdatum() }}) as is_beeindigd,
    coalesce(regeling_eindereden = 'AFB', false) as is_nagekomen,
    coalesce(regeling_eindereden in ('VOL', 'ONI'), false) as is_verbroken,
    case when einddatum is null or einddatum >= afspraakdatum then
        {{ dagen_tussen('afspraakdatum',
            'case when einddatum <= ' ~ extractdatum() ~ ' then einddatum else ' ~ extractdatum() ~ ' end') }}
    end as looptijd_dagen
from regelingen
