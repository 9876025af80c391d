{#- One row per offer to a candidate (aanbieding), with its outcome and refusal reason. Candidates are
    not identified: the contract delivers no candidate key, only the position. -#}
with

aanbiedingen as (
    select * from {{ ref('stg_raw__aanbiedingen') }}
    where not is_verwijderd
),

publicaties as (
    select publicatie_id, eenheid_id, begindatum, wijk, eenheid_detailsoort
    from {{ ref('fct_publicatie') }}
)

select
    a.aanbieding_id,
    a.publicatie_id,
    p.eenheid_id,
    a.kandidaat_positie,
    a.aanbiedingsdatum,
    a.antwoorddatum,
    case
        when a.antwoorddatum is not null
            then {{ dagen_tussen('a.aanbiedingsdatum', 'a.antwoorddatum') }}
    end as dagen_tot_antwoord,
    a.aanbieding_status,
    a.aanbieding_detailstatus,
    a.aanbieding_detailstatus_naam,
    (a.aanbieding_status = 'GEW') as is_weigering,
    (a.aanbieding_status = 'TOE') as is_toewijzing,
    p.wijk,
    p.eenheid_detailsoort
from aanbiedingen as a
inner join publicaties as p
    on p.publicatie_id = a.publicatie_id
