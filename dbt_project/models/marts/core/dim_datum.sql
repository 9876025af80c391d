{#- One row per day from the earliest date the marts need to one year after the extract date. -#}
with

grenzen as (
    select
        least(
            coalesce((select min(begindatum) from {{ ref('stg_raw__huurovereenkomsten') }}), {{ extractdatum() }}),
            coalesce((select min(begindatum) from {{ ref('stg_raw__eenheidstatussen') }}), {{ extractdatum() }}),
            coalesce((select min(registratiedatum) from {{ ref('stg_raw__zaken') }}), {{ extractdatum() }}),
            coalesce((select min(boekdatum) from {{ ref('stg_raw__boekingen') }}), {{ extractdatum() }})
        ) as van,
        {{ plus_dagen(plus_maanden(extractdatum(), 12), 0) }} as tot
),

dagen as (
    select r.datum
    from grenzen as g
    -- a series per row of grenzen (lateral): it cannot move into a CTE
    cross join lateral {{ datumreeks('g.van', 'g.tot', '1 day') }} as r  -- noqa: ST05
)

select
    datum,
    cast(extract(year from datum) as integer) as jaar,
    cast(extract(month from datum) as integer) as maandnummer,
    cast(extract(day from datum) as integer) as dag,
    {{ maand_start('datum') }} as maand,
    {{ maand_einde('datum') }} as maand_einde,
    (datum <= {{ extractdatum() }}) as is_verleden
from dagen
